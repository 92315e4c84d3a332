import type { Tree } from '@nx/devkit';
import { posix } from 'node:path';
import { describeNameRule, isValidStageName, stageNameFromDirectory } from '../../stage/names';
import { validateStageFile } from '../../stage/validate';
import type { StageFile } from '../../stage/types';
import type { BasePin } from '../../stage/base-pin';
import { ImageRef } from '../../registry/reference';
import { resolveBases } from '../../lock/base-pinner';
import { generatorCommand } from '../../identity/identity';
import { includeAnyOf } from '../../identity/commands';
import { formatPins, PIN_FILE_NAME } from '../../stage/pins';
import { stageSchemaPath, workspaceDirectory, workspaceStages } from '../shared/workspace-stages';
import { ImportRefused, splitDockerfile, type Refusal, type SplitStage } from './split-dockerfile';
import { downloadTo } from '../../sources/download';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImportGeneratorSchema } from './schema';

/** What the import wrote, for its report. */
export interface ImportReport {
  stages: string[];
  /** External images no registry or Engine could resolve now, with the stages that use them: written as given, for `lock` to pin. */
  unpinned: Array<{ image: string; stages: string[] }>;
  /** Stages whose RUN lines download, and what downloads. */
  downloading: Array<{ stage: string; line: number; command: string }>;
}

/**
 * Splits a multi-stage Dockerfile into stage projects. Everything is parsed
 * and checked before the first write, so a refused import writes nothing.
 * External images are pinned as they are written when their registry (or the
 * local Engine) answers; the others are written as given and reported.
 */
export async function importGenerator(tree: Tree, schema: ImportGeneratorSchema): Promise<void> {
  await importDockerfile(tree, schema);
}

export default importGenerator;

/** The import, answering what it wrote. */
export async function importDockerfile(tree: Tree, schema: ImportGeneratorSchema): Promise<ImportReport> {
  const dockerfile = workspaceDirectory(schema.dockerfile ?? '', '--dockerfile');
  const text = tree.read(dockerfile, 'utf8');
  if (text === null || dockerfile === '') throw new Error(`--dockerfile: ${schema.dockerfile} is not a file of this workspace`);
  const dockerfileDir = posix.dirname(dockerfile) === '.' ? '' : posix.dirname(dockerfile);
  const name = schema.name ?? defaultName(dockerfileDir, tree.root);
  if (!isValidStageName(name)) throw new Error(`--name: '${name}' is not a valid stage name: ${describeNameRule()}`);
  const directory = workspaceDirectory(schema.directory ?? dockerfileDir, '--directory');
  const context = workspaceDirectory(schema.context ?? dockerfileDir, '--context');
  if (!tree.exists(context || '.') || tree.isFile(context)) throw new Error(`--context: ${context || '.'} is not a directory of this workspace`);
  const buildArgs = parseBuildArgs(schema.buildArg);

  const replaced = replacedStageDirectory(tree, dockerfile);
  const existing = workspaceStages(tree);
  const isStage = (other: string) => existing.byName.has(other);
  const stages = splitDockerfile(text, { file: dockerfile, name, buildArgs, platform: existing.options.platform, isStage });
  checkNames(tree, existing, stages, directory, replaced);

  const checksums = await downloadChecksums(stages, dockerfile);
  const written = stages.map((stage) => {
    const downloads = stage.downloads.map(({ url, path }) => ({ url, sha256: checksums.get(url)!, path }));
    const dir = posix.join(directory, stage.name);
    const document: StageFile = {
      $schema: stageSchemaPath(dir),
      name: stage.name,
      // A stage whose RUN lines download builds as the original did only with the network docker build gives it.
      ...(stage.downloading && { network: 'default' as const }),
      build: {
        type: 'dockerfile',
        context: posix.relative(dir, context || '.') || '.',
        ...(downloads.length && { downloads }),
        ...(Object.keys(stage.args).length && { args: Object.entries(stage.args).map(([name, value]) => `${name}=${value}`) }),
      },
    };
    validateStageFile(document, posix.join(dir, 'stage.json'));
    return { dir, document, stage };
  });

  const pins = await resolveImages(stages);
  if (replaced !== undefined) removeImportedDockerfile(tree, dockerfile);
  for (const { dir, document, stage } of written) {
    tree.write(posix.join(dir, 'stage.json'), `${JSON.stringify(document, null, 2)}\n`);
    tree.write(posix.join(dir, 'Dockerfile'), stage.dockerfile);
    const pinned = stage.externalImages.flatMap(({ image }) => pins.get(image) ?? []);
    if (pinned.length) tree.write(posix.join(dir, PIN_FILE_NAME), formatPins({ images: pinned }));
  }
  const report = importReport(stages, pins);
  process.stdout.write(describeReport(report, dockerfile));
  return report;
}

/** `--build-arg NAME=VALUE`, repeatable, as docker build takes it. */
function parseBuildArgs(given: string | string[] | undefined): Record<string, string> {
  const args: Record<string, string> = {};
  for (const entry of given === undefined ? [] : Array.isArray(given) ? given : [given]) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(entry);
    if (!match) throw new Error(`--build-arg: '${entry}' is not NAME=VALUE (NAME: letters, digits and _, not starting with a digit)`);
    args[match[1]] = match[2];
  }
  return args;
}

/**
 * The sha256 of each file an ADD <url> fetches: the one ADD --checksum gives,
 * else that of the file the URL serves now (fetched once, here). A URL that
 * cannot be fetched refuses the import, saying how to give the checksum by hand.
 */
async function downloadChecksums(stages: SplitStage[], file: string): Promise<Map<string, string>> {
  const checksums = new Map<string, string>();
  const refusals: Refusal[] = [];
  for (const download of stages.flatMap((stage) => stage.downloads)) {
    if (download.sha256) checksums.set(download.url, download.sha256);
    if (checksums.has(download.url)) continue;
    try {
      checksums.set(download.url, await sha256Of(download.url));
    } catch (error) {
      refusals.push({
        line: download.line,
        text: `ADD ${download.url}`,
        why:
          `ADD of a URL becomes a download checked by its sha256, and ${download.url} could not be fetched now (${(error as Error).message}); ` +
          `give its checksum (ADD --checksum=sha256:<64 hexadecimal digits> ${download.url} ...), or download the file into the build context and COPY it`,
      });
    }
  }
  if (refusals.length) throw new ImportRefused(file, refusals);
  return checksums;
}

async function sha256Of(url: string): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'stagecraft-import-'));
  try {
    return await downloadTo(url, join(directory, 'download'));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** Pins every external image that names no digest, asking each registry once; an image nothing resolves now stays unpinned. */
async function resolveImages(stages: SplitStage[]): Promise<Map<string, BasePin>> {
  const images = [...new Set(stages.flatMap((stage) => stage.externalImages.map(({ image }) => image)))].filter((image) => !ImageRef.parse(image).digest);
  if (!images.length) return new Map();
  const resolved = await resolveBases(images);
  return new Map([...resolved].flatMap(([image, outcome]) => (outcome instanceof Error ? [] : [[image, outcome] as const])));
}

function importReport(stages: SplitStage[], pins: ReadonlyMap<string, BasePin>): ImportReport {
  const unpinned = new Map<string, string[]>();
  for (const stage of stages) {
    for (const { image } of stage.externalImages) {
      if (!ImageRef.parse(image).digest && !pins.has(image)) unpinned.set(image, [...(unpinned.get(image) ?? []), stage.name]);
    }
  }
  return {
    stages: stages.map((stage) => stage.name),
    unpinned: [...unpinned].map(([image, users]) => ({ image, stages: users })),
    downloading: stages.flatMap((stage) => (stage.downloading ? [{ stage: stage.name, ...stage.downloading }] : [])),
  };
}

function describeReport(report: ImportReport, dockerfile: string): string {
  const lines = [`imported ${dockerfile} as ${report.stages.length} stage(s): ${report.stages.join(', ')}`];
  if (report.unpinned.length) {
    lines.push(`not pinned (no registry or local Engine could resolve them now; written as given, and no build starts until they are pinned):`);
    for (const { image, stages } of report.unpinned) lines.push(`  ${image} (${stages.join(', ')})`);
    lines.push(`  pin them where their registry answers: ${generatorCommand('lock')} ${includeAnyOf([...new Set(report.unpinned.flatMap(({ stages }) => stages))])}`);
  }
  if (report.downloading.length) {
    lines.push('stages whose RUN lines download, marked "network": "default" to build as the original did:');
    for (const { stage, line, command } of report.downloading) lines.push(`  ${stage} (${dockerfile}:${line}: ${command})`);
  }
  return `${lines.join('\n')}\n`;
}

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

/** Removes the imported Dockerfile; a directory it leaves empty stays, with a .gitkeep (the import never removes a directory it did not create). */
function removeImportedDockerfile(tree: Tree, dockerfile: string): void {
  const dir = posix.dirname(dockerfile);
  tree.delete(dockerfile);
  if (!tree.children(dir).length) tree.write(posix.join(dir, '.gitkeep'), '');
}

function checkNames(tree: Tree, existing: ReturnType<typeof workspaceStages>, stages: SplitStage[], directory: string, replaced: string | undefined): void {
  const problems: string[] = [];
  for (const stage of stages) {
    if (!isValidStageName(stage.name)) {
      problems.push(`stage ${stage.index}${stage.alias ? ` (AS ${stage.alias})` : ''} gives no valid stage name ('${stage.name}'): ${describeNameRule()}`);
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
