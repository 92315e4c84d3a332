/**
 * Renders the Dockerfile of a stage for its build type. The build context the
 * caller assembles holds `source/` (the stage's prepared source tree),
 * `packages/<upstream>/<file>` for package-consuming stages, and the `files`
 * returned here. Output is deterministic: the same input gives the same bytes.
 */
import { rewriteDockerfileRefs } from '../dockerfile/dockerfile-refs';
import { definingFile } from '../stage/definition-files';
import { StageError } from '../stage/errors';
import { ENV_NAME, runInstruction, shellEnvAssignment, shellJoin, shellQuote } from './shell';
import type { Stage } from '../stage/types';

export interface UpstreamImage {
  name: string;
  image: string;
  /** Paths copied from the image; empty means the install prefix. */
  copy: string[];
  rev?: string;
  /** Package file names the caller put in the context under packages/<name>/. */
  packageFiles?: string[];
}

export interface RenderInput {
  stage: Stage;
  /** Install prefix, e.g. /usr/local. */
  prefix: string;
  /** Image reference for the stage's FROM, already resolved by the caller. */
  base: string;
  /** The stage's upstream stages, in any order. */
  upstream: UpstreamImage[];
  /** Dockerfile stages: the reference to build each external image from, by the name the Dockerfile gives it. */
  externalRefs?: ReadonlyMap<string, string>;
  /** The platform the automatic build arguments describe (default linux/amd64). */
  platform?: string;
}

export interface RenderedStage {
  dockerfile: string;
  /** Generated build-context files, by context path. */
  files: Record<string, string>;
}

export const SOURCE_ROOT = '/usr/src';
export const PACKAGES_DIR = '/tmp/stagecraft-packages';
export const MANIFEST_DIR = '/usr/share/stagecraft';
const GENERATED_DIR = 'stagecraft';
export const MANIFEST_FILE = `${GENERATED_DIR}/manifest.json`;
export const DEPCACHE_FILE = `${GENERATED_DIR}/depcache`;

/** What may appear unquoted in COPY lines: absolute paths of plain characters. */
const PLAIN_PATH = /^\/[A-Za-z0-9_.+@,=:\/-]*$/;
const DOTDOT_SEGMENT = /(^|\/)\.\.(\/|$)/;
/** Image references (and the caller's <stage:name> key placeholders): no whitespace or control characters. */
const IMAGE_REFERENCE = /^[^\s\u0000-\u001f\u007f]+$/;

export function renderDockerfile(input: RenderInput): RenderedStage {
  const { stage } = input;
  checkBuildSpec(stage);
  checkPlainPath(input.prefix, 'the install prefix');
  const upstream = sortedByName(input.upstream);
  for (const { name, image } of upstream) checkImage(image, `the image of upstream stage "${name}"`);

  switch (stage.build.type) {
    case 'dockerfile':
      return renderOwnDockerfile(stage, upstream, input.externalRefs ?? new Map(), input.platform);
    case 'aggregate':
      return renderAggregate(stage, input.base, input.prefix, upstream);
    default:
      return renderBuild(stage, input.base, input.prefix, upstream);
  }
}

function renderOwnDockerfile(stage: Stage, upstream: UpstreamImage[], externalRefs: ReadonlyMap<string, string>, platform: string | undefined): RenderedStage {
  if (stage.dockerfile === undefined) {
    throw new StageError(definingFile(stage), '/build/type', 'a dockerfile build needs a Dockerfile in the stage directory');
  }
  const images = new Map(upstream.map((u) => [u.name, u.image]));
  const resolve = (name: string) => images.get(name) ?? externalRefs.get(name);
  return { dockerfile: rewriteDockerfileRefs(stage.dockerfile, resolve, { buildArgs: stage.build.args, platform }), files: {} };
}

function renderAggregate(stage: Stage, base: string, prefix: string, upstream: UpstreamImage[]): RenderedStage {
  const manifest = upstream.map((u) => ({ stage: u.name, rev: u.rev ?? '', image: u.image }));
  const lines = [
    fromLine(base),
    ...copyFromLines(upstream, prefix),
    `COPY ${GENERATED_DIR}/ ${MANIFEST_DIR}/`,
    `COPY ${DEPCACHE_FILE} /tmp/depcache`,
  ];
  return {
    dockerfile: dockerfileText(lines),
    files: {
      [MANIFEST_FILE]: `${JSON.stringify(manifest, null, 2)}\n`,
      [DEPCACHE_FILE]: manifest.map((entry) => `${entry.stage}:${entry.rev},`).join(''),
    },
  };
}

function renderBuild(stage: Stage, base: string, prefix: string, upstream: UpstreamImage[]): RenderedStage {
  const sourceDir = `${SOURCE_ROOT}/${stage.name}`;
  checkPlainPath(sourceDir, `the source directory of stage "${stage.name}"`);
  const script = buildScript(stage, prefix);
  // Every instruction is a step of the legacy builder (WORKDIR runs a container), so the
  // script changes directory itself, and JOBS is declared only where something uses it.
  const lines = [
    fromLine(base),
    ...(script.includes('JOBS') ? ['ARG JOBS=1'] : []),
    ...(stage.consumePackages ? packageLines(upstream, prefix) : copyFromLines(upstream, prefix)),
    `COPY source/ ${sourceDir}/`,
    runInstruction(`cd ${shellQuote(sourceDir)} && ${script}`),
  ];
  return { dockerfile: dockerfileText(lines), files: {} };
}

function buildScript(stage: Stage, prefix: string): string {
  const { build } = stage;
  const commands = [...(build.postDownload ?? []), ...buildCommands(stage, prefix)];
  if (build.type !== 'custom') commands.push(...(build.steps ?? []));
  return commands.join(' && ');
}

function buildCommands(stage: Stage, prefix: string): string[] {
  const { build } = stage;
  const env = build.configEnv?.length ? `env ${build.configEnv.map(shellEnvAssignment).join(' ')} ` : '';
  const flags = build.configFlags?.length ? ` ${shellJoin(build.configFlags)}` : '';
  const quotedPrefix = shellQuote(prefix);
  switch (build.type) {
    case 'autoconf':
      return [
        'if [ ! -e ./configure ]; then if [ -e ./bootstrap.sh ]; then ./bootstrap.sh; else autoreconf -fi; fi; fi',
        `${env}./configure --prefix=${quotedPrefix}${flags}`,
        'make -j"$JOBS"',
        'make install',
      ];
    case 'cmake':
      return [
        `${env}cmake -S . -B builddir -DCMAKE_INSTALL_PREFIX=${quotedPrefix}${flags}`,
        'cmake --build builddir -j "$JOBS"',
        'cmake --install builddir',
      ];
    case 'meson':
      return [
        `${env}meson setup builddir --prefix=${quotedPrefix}${flags}`,
        'ninja -C builddir -j "$JOBS"',
        'ninja -C builddir install',
      ];
    case 'make':
      return [`${env}make -j"$JOBS" PREFIX=${quotedPrefix}${flags}`, `${env}make install PREFIX=${quotedPrefix}${flags}`];
    case 'custom':
      if (!build.steps?.length) {
        throw new StageError(definingFile(stage), '/build/steps', 'a custom build needs at least one step (a shell command)');
      }
      return build.steps;
    default:
      throw new Error(`stage "${stage.name}": build type "${build.type}" has no build commands`);
  }
}

/** One COPY --from per exported path of each upstream, in name order (OpenBMC's df_copycmds_set). */
function copyFromLines(upstream: UpstreamImage[], prefix: string): string[] {
  return upstream.flatMap(({ name, image, copy }) =>
    (copy.length ? copy : [prefix]).map((path) => {
      checkPlainPath(path, `the exported path of upstream stage "${name}"`);
      return `COPY --from=${image} ${path} ${path}`;
    }),
  );
}

/** Installs the upstream package files from the context: .deb with dpkg, tarballs unpacked into the prefix. */
function packageLines(upstream: UpstreamImage[], prefix: string): string[] {
  const files = upstream.flatMap(({ name, packageFiles }) =>
    [...(packageFiles ?? [])].sort(byCodeUnits).map((file) => {
      if (file.includes('/') || file === '.' || file === '..' || file === '' || file.includes('\0')) {
        throw new Error(`upstream stage "${name}": package file name ${JSON.stringify(file)} is not a plain file name`);
      }
      return `${PACKAGES_DIR}/${name}/${file}`;
    }),
  );
  if (files.length === 0) return [];
  const debs = files.filter((file) => file.endsWith('.deb'));
  const tarballs = files.filter((file) => baseName(file).includes('.tar'));
  const commands = [
    ...(debs.length ? [`dpkg -i ${shellJoin(debs)}`] : []),
    ...(tarballs.length ? [`mkdir -p ${shellQuote(prefix)}`] : []),
    ...tarballs.map((file) => `tar -C ${shellQuote(prefix)} -x${tarCompressionFlag(file)}f ${shellQuote(file)}`),
  ];
  return [`COPY packages/ ${PACKAGES_DIR}/`, ...(commands.length ? [runInstruction(commands.join(' && '))] : [])];
}

/** busybox tar does not detect compression by itself, so name it from the file's extension. */
function tarCompressionFlag(file: string): string {
  if (/\.(tar\.gz|tgz)$/.test(file)) return 'z';
  if (/\.(tar\.bz2|tbz2?)$/.test(file)) return 'j';
  if (/\.(tar\.xz|txz)$/.test(file)) return 'J';
  return '';
}

function fromLine(base: string): string {
  checkImage(base, 'the base image');
  return `FROM ${base}`;
}

function dockerfileText(lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** Rejects what would make a rendered script malformed or meaningless (the stage loader validates the rest). */
function checkBuildSpec(stage: Stage): void {
  const file = definingFile(stage);
  const { build } = stage;
  const fields = ['configFlags', 'configEnv', 'postDownload', 'steps'] as const;
  for (const field of fields) {
    (build[field] ?? []).forEach((value, index) => {
      const pointer = `/build/${field}/${index}`;
      if (value.includes('\0')) throw new StageError(file, pointer, 'must not contain a NUL character');
      if ((field === 'postDownload' || field === 'steps') && value.trim() === '') {
        throw new StageError(file, pointer, 'must be a shell command, not blank');
      }
      if (field === 'configEnv' && !ENV_NAME.test(value.slice(0, Math.max(value.indexOf('='), 0)))) {
        throw new StageError(file, pointer, 'must be NAME=value, NAME made of letters, digits and _ (not starting with a digit)');
      }
    });
  }
  if (build.type === 'aggregate') {
    if (stage.consumePackages) {
      throw new StageError(file, '/consumePackages', 'an aggregate stage copies its dependencies\' images; it cannot consume packages');
    }
    if (build.postDownload?.length || build.steps?.length) {
      throw new StageError(file, build.steps?.length ? '/build/steps' : '/build/postDownload', 'an aggregate stage runs no commands');
    }
  }
}

function checkPlainPath(path: string, what: string): void {
  if (!PLAIN_PATH.test(path) || DOTDOT_SEGMENT.test(path)) {
    throw new Error(`${what} ${JSON.stringify(path)} must be an absolute path of letters, digits and _ . + @ , = : / -`);
  }
}

function checkImage(image: string, what: string): void {
  if (!IMAGE_REFERENCE.test(image)) {
    throw new Error(`${what} ${JSON.stringify(image)} is not an image reference (it is empty or has spaces or control characters)`);
  }
}

function sortedByName(upstream: UpstreamImage[]): UpstreamImage[] {
  return [...upstream].sort((a, b) => byCodeUnits(a.name, b.name));
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
