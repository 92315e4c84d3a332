import { type Tree } from '@nx/devkit';
import { posix } from 'node:path';
import { DOCKERFILE_NAME, STAGE_FILE_NAME, STAGE_FILE_NAMES } from '../../stage/definition-files';
import { StageError } from '../../stage/errors';
import { describeNameRule, isValidStageName } from '../../stage/names';
import { validateStageFile } from '../../stage/validate';
import { isLocalSource } from '../../stage/types';
import { isExternalImage, namesTagOrDigest } from '../../stage/external-images';
import { dockerfileBaseRef, resolveExternalBases, writeBasePin } from '../shared/pin-base';
import { stageSchemaPath, workspaceDirectory, workspaceStages, type WorkspaceStages } from '../shared/workspace-stages';
import { dependsList, sourceOf, stageDockerfile, stageDocument, type StageScaffold } from './stage-definition';
import type { StageGeneratorSchema } from './schema';

/**
 * Scaffolds one stage. Every check runs before anything is written, so a
 * refused stage leaves the workspace as it was.
 */
export async function stageGenerator(tree: Tree, schema: StageGeneratorSchema): Promise<void> {
  const planned = planScaffold(tree, schema);
  const stageFile = posix.join(planned.dir, STAGE_FILE_NAME);
  const document = stageDocument(planned);
  validateStageFile(JSON.parse(JSON.stringify(document)), stageFile);
  const external = planned.externalBase;
  const pins = await resolveExternalBases(external ? [{ image: external, stage: planned.name }] : []);
  const isDockerfile = planned.type === 'dockerfile';
  const scaffold = isDockerfile && external ? { ...planned, dockerfileBase: dockerfileBaseRef(external, pins) } : planned;
  tree.write(stageFile, `${JSON.stringify(document, null, 2)}\n`);
  if (isDockerfile) tree.write(posix.join(scaffold.dir, DOCKERFILE_NAME), stageDockerfile(scaffold));
  else if (external) writeBasePin(tree, scaffold.dir, pins.get(external));
  if (isLocalSource(scaffold.source)) {
    const sourceDir = posix.join(scaffold.dir, scaffold.source.path);
    if (!tree.exists(sourceDir)) tree.write(posix.join(sourceDir, '.gitkeep'), '');
  }
}

export default stageGenerator;

function planScaffold(tree: Tree, schema: StageGeneratorSchema): StageScaffold {
  const name = String(schema.name ?? '').trim();
  if (!isValidStageName(name)) throw new Error(`'${name}' is not a valid stage name: ${describeNameRule()}`);
  const stages = workspaceStages(tree);
  const existing = stages.byName.get(name);
  if (existing) throw new Error(`a stage named '${name}' already exists (${existing}); choose another name`);
  const dir = workspaceDirectory(schema.directory ?? name, '--directory');
  if (dir === '') throw new Error('--directory must be a subdirectory of the workspace root, not the root itself');
  for (const file of STAGE_FILE_NAMES) {
    const path = posix.join(dir, file);
    if (tree.exists(path)) throw new Error(`${path} already exists: ${dir} is a stage directory already; choose another --directory`);
  }
  const type = schema.type ?? 'custom';
  const depends = dependsList(schema.depends);
  for (const upstream of depends) {
    if (upstream === name) throw new Error(`stage '${name}' cannot depend on itself (--depends)`);
    if (!stages.byName.has(upstream)) throw new Error(`--depends: ${missing(upstream, stages)}`);
  }
  const source = sourceOf(schema);
  if (source && type === 'aggregate') throw new Error('an aggregate stage collects its depends and has no source; leave out --git, --url and --path');
  if (source && !isLocalSource(source) && type === 'dockerfile') {
    throw new Error('a dockerfile stage reads the files of its directory; --git and --url are for the autoconf, cmake, make, meson and custom types');
  }
  const from = schema.from === undefined ? undefined : checkedBase(schema.from, name, stages, '--from');
  const defaultBase = stages.options.defaultBase;
  if (from === undefined && defaultBase === undefined) {
    throw new Error('no base: give --from (a stage or an image such as debian:12), or set the plugin option defaultBase in nx.json');
  }
  const base = from ?? (defaultBase === undefined ? 'scratch' : checkedBase(defaultBase, name, stages, 'defaultBase'));
  return {
    name,
    dir,
    type,
    from,
    dockerfileBase: base,
    externalBase: isExternalImage(base, (other) => stages.byName.has(other)) ? base : undefined,
    depends,
    source,
    schemaPath: stageSchemaPath(dir),
    prefix: stages.options.prefix,
  };
}

function checkedBase(base: string, name: string, stages: WorkspaceStages, option: string): string {
  if (base === name) throw new Error(`stage '${name}' cannot be based on itself (${option})`);
  if (!isExternalImage(base, (other) => stages.byName.has(other))) return base;
  // An external image names a tag or a digest, so a typo of a stage name is never taken for one.
  if (!namesTagOrDigest(base)) {
    throw new Error(`${option}: '${base}' is neither a stage of this workspace nor an image reference with a tag or digest (such as debian:12)`);
  }
  try {
    validateStageFile({ from: base }, option);
  } catch (error) {
    throw new Error(`${option}: ${(error as StageError).problem ?? (error as Error).message}`);
  }
  return base;
}

function missing(name: string, stages: WorkspaceStages): string {
  const known = [...stages.byName.keys()].sort();
  const similar = known.filter((other) => other.startsWith(name) || name.startsWith(other)).slice(0, 3);
  const hint = similar.length ? `; did you mean ${similar.map((s) => `'${s}'`).join(' or ')}?` : '';
  return `no stage named '${name}' in this workspace${hint}`;
}
