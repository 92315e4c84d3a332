import type { Tree } from '@nx/devkit';
import { posix } from 'node:path';
import { describeNameRule, isValidStageName, stageNameFromDirectory } from '../../stage/names';
import { validateStageFile } from '../../stage/validate';
import type { StageFile } from '../../stage/types';
import { dockerfileBaseRef, resolveExternalBases } from '../shared/pin-base';
import { stageSchemaPath, workspaceDirectory, workspaceStages } from '../shared/workspace-stages';
import { splitDockerfile, type SplitStage } from './split-dockerfile';
import type { ImportGeneratorSchema } from './schema';

/**
 * Splits a multi-stage Dockerfile into stage projects. Everything is parsed
 * and checked before the first write, so a refused import writes nothing.
 */
export async function importGenerator(tree: Tree, schema: ImportGeneratorSchema): Promise<void> {
  const dockerfile = workspaceDirectory(schema.dockerfile ?? '', '--dockerfile');
  const text = tree.read(dockerfile, 'utf8');
  if (text === null || dockerfile === '') throw new Error(`--dockerfile: ${schema.dockerfile} is not a file of this workspace`);
  const dockerfileDir = posix.dirname(dockerfile) === '.' ? '' : posix.dirname(dockerfile);
  const name = schema.name ?? defaultName(dockerfileDir, tree.root);
  if (!isValidStageName(name)) throw new Error(`--name: '${name}' is not a valid stage name: ${describeNameRule()}`);
  const directory = workspaceDirectory(schema.directory ?? dockerfileDir, '--directory');
  const context = workspaceDirectory(schema.context ?? dockerfileDir, '--context');
  if (!tree.exists(context || '.') || tree.isFile(context)) throw new Error(`--context: ${context || '.'} is not a directory of this workspace`);

  const replaced = replacedStageDirectory(tree, dockerfile);
  const split = (pins: Parameters<typeof dockerfileBaseRef>[1]) =>
    splitDockerfile(text, { file: dockerfile, name, pinBase: (image) => dockerfileBaseRef(image, pins) });
  const asWritten = split(new Map());
  checkNames(tree, asWritten, directory, replaced);
  const external = asWritten.flatMap((stage) => (stage.externalBase && stage.externalBase !== 'scratch' ? [{ image: stage.externalBase, stage: stage.name }] : []));
  const pins = await resolveExternalBases(external);
  const stages = pins.size ? split(pins) : asWritten;

  const written = stages.map((stage) => {
    const dir = posix.join(directory, stage.name);
    const document: StageFile = {
      $schema: stageSchemaPath(dir),
      name: stage.name,
      build: { type: 'dockerfile', context: posix.relative(dir, context || '.') || '.' },
    };
    validateStageFile(document, posix.join(dir, 'stage.json'));
    return { dir, document, stage };
  });
  if (replaced !== undefined) tree.delete(dockerfile);
  for (const { dir, document, stage } of written) {
    tree.write(posix.join(dir, 'stage.json'), `${JSON.stringify(document, null, 2)}\n`);
    tree.write(posix.join(dir, 'Dockerfile'), stage.dockerfile);
  }
}

export default importGenerator;

function defaultName(dockerfileDir: string, root: string): string {
  try {
    return stageNameFromDirectory(dockerfileDir || posix.basename(root));
  } catch {
    throw new Error(`the directory of the Dockerfile gives no valid stage name; give --name (${describeNameRule()})`);
  }
}

/**
 * The directory of the imported Dockerfile when the plugin infers a stage from
 * it (a file named Dockerfile in a subdirectory): the imported stages replace
 * that stage, so the file is removed. A Dockerfile beside a stage.json belongs
 * to that stage's definition and is not imported.
 */
function replacedStageDirectory(tree: Tree, dockerfile: string): string | undefined {
  const dir = posix.dirname(dockerfile);
  if (posix.basename(dockerfile) !== 'Dockerfile' || dir === '.') return undefined;
  if (tree.exists(posix.join(dir, 'stage.json'))) {
    throw new Error(`${dockerfile} is part of the stage defined by ${posix.join(dir, 'stage.json')}; only a Dockerfile that is no stage.json's can be imported`);
  }
  return dir;
}

function checkNames(tree: Tree, stages: SplitStage[], directory: string, replaced: string | undefined): void {
  const existing = workspaceStages(tree);
  const problems: string[] = [];
  for (const stage of stages) {
    if (!isValidStageName(stage.name)) {
      problems.push(`stage ${stage.index} (AS ${stage.alias}) gives no valid stage name: ${describeNameRule()}`);
      continue;
    }
    const owner = existing.byName.get(stage.name);
    if (owner !== undefined && posix.dirname(owner) !== replaced) {
      problems.push(`a stage named '${stage.name}' already exists (${owner})`);
    }
    const dir = posix.join(directory, stage.name);
    for (const file of ['stage.json', 'Dockerfile']) {
      if (tree.exists(posix.join(dir, file))) problems.push(`${posix.join(dir, file)} already exists`);
    }
  }
  if (problems.length) {
    throw new Error(`cannot import: nothing was written:\n  ${[...new Set(problems)].join('\n  ')}\nUse --name or --directory to choose other names or places.`);
  }
}
