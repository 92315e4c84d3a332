/** Loading one stage directory: its stage.json and/or Dockerfile, validated and with defaults applied. */
import { readFileSync, statSync } from 'fs';
import { join, posix } from 'path';
import { DOCKERFILE_NAME, STAGE_FILE_NAME } from './definition-files';
import { StageError, StageErrors } from './errors';
import { describeNameRule, stageNameFromDirectory } from './names';
import { BUILD_TYPES, type BuildSpec, type Stage, type StageFile } from './types';
import { parseStageJson, validateStageFile } from './validate';
import { parsePins, PIN_FILE_NAME } from './pins';

/**
 * Loads the stage in `dir` (relative to the workspace root, '/' separators).
 * `givenName` is the name the plugin gave it (its Nx project's name); without
 * one it is stage.json's "name", or the directory's. Throws a StageError naming
 * the file and field of the problem, or StageErrors with every problem of the
 * stage's files.
 */
export function loadStage(workspaceRoot: string, dir: string, givenName?: string): Stage {
  const root = stageRoot(dir);
  const stageFile = posix.join(root, STAGE_FILE_NAME);
  const dockerfilePath = posix.join(root, DOCKERFILE_NAME);
  const stageJsonText = readIfFile(workspaceRoot, stageFile);
  const dockerfile = readIfFile(workspaceRoot, dockerfilePath);
  const pinFile = posix.join(root, PIN_FILE_NAME);
  const pinText = readIfFile(workspaceRoot, pinFile);
  if (stageJsonText === undefined && dockerfile === undefined) {
    throw new StageError(root, '', `a stage directory needs a ${STAGE_FILE_NAME} or a ${DOCKERFILE_NAME}; found neither`);
  }
  const definition: StageFile =
    stageJsonText === undefined ? {} : validateStageFile(parseStageJson(stageJsonText, stageFile), stageFile);
  const describedBy = stageJsonText === undefined ? dockerfilePath : stageFile;
  // Every problem of the file at once: each check below is independent of the others.
  const problems: StageError[] = [];
  const checked = <T>(check: () => T): T | undefined => {
    try {
      return check();
    } catch (error) {
      if (!(error instanceof StageError)) throw error;
      problems.push(error);
      return undefined;
    }
  };
  const name = checked(() => givenName ?? definition.name ?? nameFromDirectory(root, describedBy));
  if (givenName !== undefined && definition.name !== undefined && definition.name !== givenName) {
    problems.push(new StageError(stageFile, '/name', `this stage is the Nx project '${givenName}' and takes its name; remove "name" or set it to "${givenName}"`));
  }
  if (name !== undefined) checked(() => checkNotSelfReferencing(definition, name, stageFile));
  const build = checked(() => buildSpec(definition, dockerfile !== undefined, stageFile, root));
  if (name === undefined || build === undefined || problems.length) {
    throw problems.length === 1 ? problems[0] : new StageErrors(problems);
  }

  const stage: Stage = {
    name,
    root,
    ...(stageJsonText !== undefined && { stageFile }),
    ...(dockerfile !== undefined && { dockerfilePath, dockerfile }),
    ...(definition.from !== undefined && { from: definition.from }),
    depends: [...(definition.depends ?? [])],
    ...(definition.source !== undefined && { source: { ...definition.source } }),
    build,
    inputs: [...(definition.inputs ?? [])],
    ...(definition.optionalInputs !== undefined && { optionalInputs: [...definition.optionalInputs] }),
    env: [...(definition.env ?? [])],
    exports: {
      copy: [...(definition.exports?.copy ?? [])],
      packages: [...(definition.exports?.packages ?? [])],
    },
    ...(definition.refresh !== undefined && { refresh: definition.refresh }),
    hashMode: definition.hashMode ?? 'content',
    consumePackages: definition.consumePackages ?? false,
    ...(definition.network !== undefined && definition.network !== 'none' && { network: definition.network }),
    ...(pinText !== undefined && { pins: parsePins(pinText, pinFile) }),
  };
  return stage;
}

/** The directory in normal form: relative, '/' separators, no trailing '/', not the workspace root itself. */
function stageRoot(dir: string): string {
  const normalized = posix.normalize(dir.split('\\').join('/')).replace(/\/+$/, '');
  const outside = normalized === '..' || normalized.startsWith('../') || normalized.startsWith('/');
  if (normalized === '.' || outside) {
    throw new StageError(dir, '', 'a stage directory must be a subdirectory of the workspace root, given relative to it');
  }
  return normalized;
}

function readIfFile(workspaceRoot: string, relativePath: string): string | undefined {
  const absolute = join(workspaceRoot, relativePath);
  try {
    if (!statSync(absolute).isFile()) return undefined;
    return readFileSync(absolute, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StageError(relativePath, '', `cannot read the file: ${(error as Error).message}`);
  }
}

function nameFromDirectory(root: string, describedBy: string): string {
  try {
    return stageNameFromDirectory(root);
  } catch {
    const basename = posix.basename(root);
    throw new StageError(
      describedBy,
      describedBy.endsWith(STAGE_FILE_NAME) ? '/name' : '',
      `the directory name '${basename}' (${root}) gives no valid stage name (${describeNameRule()}); ` +
        `set "name" in ${posix.join(root, STAGE_FILE_NAME)}`,
    );
  }
}

function checkNotSelfReferencing(definition: StageFile, name: string, stageFile: string): void {
  const selfDependency = (definition.depends ?? []).indexOf(name);
  if (selfDependency !== -1) {
    throw new StageError(stageFile, `/depends/${selfDependency}`, `stage '${name}' cannot depend on itself`);
  }
  if (definition.from === name) {
    throw new StageError(
      stageFile,
      '/from',
      `stage '${name}' cannot be based on itself; for an external image of the same name, give its tag (e.g. ${name}:latest)`,
    );
  }
}

function buildSpec(definition: StageFile, hasDockerfile: boolean, stageFile: string, root: string): BuildSpec {
  const given = definition.build;
  if (given?.context !== undefined) checkBuildContext(given, hasDockerfile, stageFile, root);
  for (const [field, what] of [['args', 'build arguments'], ['downloads', 'downloads']] as const) {
    if (given?.[field] !== undefined && (given.type !== 'dockerfile' || !hasDockerfile)) {
      throw new StageError(stageFile, `/build/${field}`, `${what} are for dockerfile stages (a Dockerfile in ${root})`);
    }
  }
  if (hasDockerfile) {
    if (given && given.type !== 'dockerfile') {
      throw new StageError(
        stageFile,
        '/build/type',
        'a directory with a Dockerfile is a dockerfile stage; ' +
          `remove "build" or set its type to "dockerfile" (got '${given.type}')`,
      );
    }
    return copyBuild(given ?? { type: 'dockerfile' });
  }
  if (!given) {
    const types = BUILD_TYPES.filter((type) => type !== 'dockerfile').join(', ');
    throw new StageError(stageFile, '/build', `a stage without a Dockerfile needs "build" with a type: one of ${types}`);
  }
  if (given.type === 'dockerfile') {
    throw new StageError(stageFile, '/build/type', `build type 'dockerfile' needs a Dockerfile in ${root}`);
  }
  return copyBuild(given);
}

function checkBuildContext(build: BuildSpec, hasDockerfile: boolean, stageFile: string, root: string): void {
  if (build.type !== 'dockerfile' || !hasDockerfile) {
    throw new StageError(stageFile, '/build/context', `a build context directory is for dockerfile stages (a Dockerfile in ${root})`);
  }
  const dir = posix.normalize(posix.join(root, build.context!));
  if (dir === '..' || dir.startsWith('../')) {
    throw new StageError(stageFile, '/build/context', `'${build.context}' leads outside the workspace (${dir}); the context must be inside it`);
  }
}

function copyBuild(build: BuildSpec): BuildSpec {
  return {
    type: build.type,
    ...(build.configFlags && { configFlags: [...build.configFlags] }),
    ...(build.configEnv && { configEnv: [...build.configEnv] }),
    ...(build.postDownload && { postDownload: [...build.postDownload] }),
    ...(build.steps && { steps: [...build.steps] }),
    ...(build.context !== undefined && { context: build.context }),
    ...(build.args && { args: [...build.args] }),
    ...(build.downloads && { downloads: build.downloads.map((download) => ({ ...download })) }),
  };
}
