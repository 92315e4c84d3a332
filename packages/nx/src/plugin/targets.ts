import type { ProjectConfiguration, TargetConfiguration } from '@nx/devkit';
import { isRemoteSource, type ResolvedOptions, type Stage } from '../stage/types';
import { PIN_FILE_NAME } from '../stage/pins';
import { copiedFileInputs } from '../key/copied-files';
import { executorName } from '../identity/identity';
import { ignoredFilesInput } from './ignored-inputs';
import { declaredInputPaths, workspaceInput } from '../stage/input-globs';

const TECHNOLOGIES = ['docker'];
const TARGET_GROUP = 'Stagecraft';

/**
 * The Nx project inferred for one stage: its targets, inputs and Nx Console
 * metadata. `imageUpstreams` are the stages whose images its build needs (a
 * package-consuming stage needs its depends' packages instead).
 */
export function stageProject(stage: Stage, options: ResolvedOptions, imageUpstreams?: string[], usesExternalImages = false): ProjectConfiguration {
  const names = options.targetNames;
  const files = stageFiles(stage);
  const cachedInputs = ['stagecraft', '^stagecraft', ...bucketInputs(stage, options)];
  const consumedPackages = stage.consumePackages ? [{ target: names.package, projects: stage.depends }] : [];
  const targets: Record<string, TargetConfiguration> = {
    [names.dockerStage]: {
      executor: executorName('docker-stage'),
      dependsOn: stage.consumePackages
        ? [...consumedPackages, ...((imageUpstreams ?? []).length ? [{ target: names.dockerStage, projects: imageUpstreams }] : [])]
        : [`^${names.dockerStage}`],
      cache: false,
      // Not cached by Nx (the image store is the cache): its inputs only tell `nx affected` which files
      // outside the project the key reads, so they leave out the runtime inputs Nx would run to hash it.
      inputs: [STAGE_FILES, `^${STAGE_FILES}`],
      options: {},
      metadata: metadata(
        `Ensure the image of stage ${stage.name} exists: skip when its content tag is present, else build it`,
        names.dockerStage,
        stage.name,
        { explain: true },
      ),
    },
    [names.stagePlan]: {
      executor: executorName('stage-plan'),
      cache: true,
      inputs: cachedInputs,
      options: {},
      metadata: metadata(
        `Print the tag, key document and rendered Dockerfile of stage ${stage.name} (no Docker needed)`,
        names.stagePlan,
        stage.name,
        { json: true },
      ),
    },
    [names.tagCheck]: {
      executor: executorName('tag-check'),
      cache: true,
      inputs: [...cachedInputs, `{workspaceRoot}/${options.declaredTags}`],
      options: {},
      metadata: metadata(
        `Compare the computed tag of stage ${stage.name} with the one declared in ${options.declaredTags} (no Docker needed)`,
        names.tagCheck,
        stage.name,
      ),
    },
    [names.run]: {
      executor: executorName('run'),
      dependsOn: [names.dockerStage],
      cache: false,
      options: {},
      metadata: metadata(
        `Run a command in the image of stage ${stage.name} with the workspace at /work, as you: nx run ${stage.name}:${names.run} -- <command...>`,
        names.run,
        stage.name,
        { command: 'ls -la /work' },
      ),
    },
    [names.prune]: {
      executor: executorName('prune'),
      cache: false,
      options: {},
      metadata: metadata(
        `Remove the images of stage ${stage.name} whose tag is not the current one, locally and in the registry (--dry-run lists them)`,
        names.prune,
        stage.name,
        { dryRun: true },
      ),
    },
  };
  if (isRemoteSource(stage.source) || stage.build.downloads?.length) {
    targets[names.sources] = {
      executor: executorName('sources'),
      cache: false,
      options: {},
      metadata: metadata(
        `Fetch the source of stage ${stage.name} into the content-addressed store ahead of builds, so builds need no network`,
        names.sources,
        stage.name,
      ),
    };
  }
  if (usesExternalImages) {
    targets[names.mirror] = {
      executor: executorName('mirror'),
      cache: false,
      options: {},
      metadata: metadata(
        `Copy the pinned external images of stage ${stage.name} into the workspace registry's mirror, by digest`,
        names.mirror,
        stage.name,
      ),
    };
  }
  if (stage.exports.packages.length) {
    targets[names.package] = {
      executor: executorName('package'),
      cache: true,
      inputs: cachedInputs,
      outputs: [`{workspaceRoot}/dist/packages/${stage.name}`, `{workspaceRoot}/dist/packages/${stage.name}.provenance.json`],
      dependsOn: consumedPackages,
      options: {},
      metadata: metadata(
        `Copy the package files of stage ${stage.name} (${stage.exports.packages.join(', ')}) out of its image into dist/packages/${stage.name}`,
        names.package,
        stage.name,
      ),
    };
  }
  return {
    name: stage.name,
    root: stage.root,
    projectType: 'library',
    tags: ['stagecraft', `stagecraft:${stage.build.type}`],
    namedInputs: { stagecraft: stageInputs(stage, files), [STAGE_FILES]: files },
    metadata: {
      technologies: TECHNOLOGIES,
      description: `Stagecraft ${stage.build.type} stage ${stage.name}`,
      // Nx Console shows a project's targets under these group headings: one Stagecraft group per stage.
      targetGroups: { [TARGET_GROUP]: Object.keys(targets) },
    },
    targets,
  };
}

/**
 * What a stage's key reads, as Nx inputs, so Nx's cache and `nx affected` see the
 * same changes as the key: the project's files, the declared inputs, and the
 * gitignored files among them that Nx's file inputs skip. (A .dockerignored file
 * is in Nx's inputs but not in the key: it costs a spare cache miss, never a stale hit.)
 */
function stageInputs(stage: Stage, files: string[]) {
  return [...files, ignoredFilesInput(stage), ...stage.env.map((variable) => ({ env: variable }))];
}

/** The named input of the files (in the project or declared) that a stage's key reads. */
const STAGE_FILES = 'stagecraftFiles';

function stageFiles(stage: Stage): string[] {
  const declared = declaredInputPaths(stage).map(workspaceInput);
  return [
    '{projectRoot}/**/*',
    // Named on its own too: the pins are an input of this stage alone, whatever the glob above becomes.
    `{projectRoot}/${PIN_FILE_NAME}`,
    ...declared,
    ...copiedFileInputs(stage),
    '{workspaceRoot}/nx.json',
  ];
}

const BUCKET_COMMANDS = { day: 'date -u +%F', isoweek: 'date -u +%G-W%V', month: 'date -u +%Y-%m' } as const;

function bucketInputs(stage: Stage, options: ResolvedOptions) {
  const refresh = stage.refresh ?? options.defaultRefresh;
  const inputs: Array<{ env: string } | { runtime: string }> = [{ env: 'STAGECRAFT_NOW' }];
  if (refresh !== 'never') inputs.push({ runtime: BUCKET_COMMANDS[refresh] });
  return inputs;
}

/** Target metadata for Nx Console: what it does, and help it can show (a command that prints the options, and an example). */
function metadata(description: string, target: string, project: string, exampleOptions: Record<string, unknown> = {}) {
  return {
    description,
    technologies: TECHNOLOGIES,
    help: {
      command: `npx nx run ${project}:${target} --help`,
      example: { options: exampleOptions },
    },
  };
}
