import type { ProjectConfiguration, TargetConfiguration } from '@nx/devkit';
import type { ResolvedOptions, Stage } from '../stage/types';
import { copiedFileInputs } from '../key/copied-files';
import { ignoredFilesInput } from './ignored-inputs';

const EXECUTOR_PREFIX = '@stagecraft/nx';
const TECHNOLOGIES = ['docker'];
const TARGET_GROUP = 'Stagecraft';

/**
 * The Nx project inferred for one stage: its targets, inputs and Nx Console
 * metadata. `imageUpstreams` are the stages whose images its build needs (a
 * package-consuming stage needs its depends' packages instead).
 */
export function stageProject(stage: Stage, options: ResolvedOptions, imageUpstreams?: string[]): ProjectConfiguration {
  const names = options.targetNames;
  const cachedInputs = ['stagecraft', '^stagecraft', ...bucketInputs(stage, options)];
  const consumedPackages = stage.consumePackages ? [{ target: names.package, projects: stage.depends }] : [];
  const targets: Record<string, TargetConfiguration> = {
    [names.dockerStage]: {
      executor: `${EXECUTOR_PREFIX}:docker-stage`,
      dependsOn: stage.consumePackages
        ? [...consumedPackages, ...((imageUpstreams ?? []).length ? [{ target: names.dockerStage, projects: imageUpstreams }] : [])]
        : [`^${names.dockerStage}`],
      cache: false,
      // Not cached by Nx (the image store is the cache), but the inputs tell `nx affected` what the key reads.
      inputs: cachedInputs,
      options: {},
      metadata: metadata(
        `Ensure the image of stage ${stage.name} exists: skip when its content tag is present, else build it`,
        names.dockerStage,
        stage.name,
        { explain: true },
      ),
    },
    [names.stagePlan]: {
      executor: `${EXECUTOR_PREFIX}:stage-plan`,
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
      executor: `${EXECUTOR_PREFIX}:tag-check`,
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
      executor: `${EXECUTOR_PREFIX}:run`,
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
      executor: `${EXECUTOR_PREFIX}:prune`,
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
  if (hasExternalBase(stage, options)) {
    targets[names.mirror] = {
      executor: `${EXECUTOR_PREFIX}:mirror`,
      cache: false,
      options: {},
      metadata: metadata(
        `Copy the pinned external base of stage ${stage.name} into the workspace registry's mirror, by digest`,
        names.mirror,
        stage.name,
      ),
    };
  }
  if (stage.exports.packages.length) {
    targets[names.package] = {
      executor: `${EXECUTOR_PREFIX}:package`,
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
    namedInputs: { stagecraft: stageInputs(stage) },
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
function stageInputs(stage: Stage) {
  const declared = [...stage.inputs, ...(stage.optionalInputs ?? [])].map((glob) =>
    glob.startsWith('{workspaceRoot}/') ? glob : `{projectRoot}/${glob}`,
  );
  return [
    '{projectRoot}/**/*',
    ...declared,
    ...copiedFileInputs(stage),
    ignoredFilesInput(stage),
    '{workspaceRoot}/nx.json',
    ...stage.env.map((variable) => ({ env: variable })),
  ];
}

/** Stage names never hold ':' or '@'; an external image always names a tag or a digest. */
function hasExternalBase(stage: Stage, options: ResolvedOptions): boolean {
  const base = stage.from ?? options.defaultBase;
  return stage.build.type !== 'dockerfile' && base !== undefined && /[:@]/.test(base);
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
