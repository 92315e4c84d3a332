/**
 * The build context of a stage, and for a stage with build.context the files
 * of it that its Dockerfile reads: the sources of its COPY and ADD
 * instructions (those without --from), matched the way Docker matches them.
 * Only those files are keyed and sent, so a change to another file of the
 * directory moves no tag.
 */
import { posix } from 'node:path';
import { jsonFormArguments, leadingFlags, readInstructions, wordText } from '../dockerfile/dockerfile-instructions';
import { isLocalSource, type Stage } from '../stage/types';
import { parseRunMount } from '../dockerfile/run-mounts';

/** Every file of the context directory: a source that is the directory itself, or one computed from variables. */
export type CopiedSources = string[] | 'all';

/** Where the stage's own build-context files come from; none for aggregates and url/git sources. */
export function buildContextDirectory(stage: Stage): string | undefined {
  if (stage.build.type === 'aggregate' || (stage.source && !isLocalSource(stage.source))) return undefined;
  if (stage.build.context !== undefined) return posix.normalize(posix.join(stage.root, stage.build.context));
  return isLocalSource(stage.source) ? posix.join(stage.root, stage.source.path) : stage.root;
}

/**
 * The files (relative to the context directory) a stage with build.context
 * reads; other stages read them all. A context file named Dockerfile at the
 * top is left out: the stage's own Dockerfile takes that path in the context.
 */
export function filesTheBuildReads(stage: Stage, files: string[]): string[] {
  if (stage.build.context === undefined) return files;
  const sendable = files.filter((file) => file !== 'Dockerfile');
  const sources = copiedSources(stage.dockerfile ?? '');
  if (sources === 'all') return sendable;
  const matchers = sources.map(sourceMatcher);
  return sendable.filter((file) => matchers.some((matches) => matches(file)));
}

/**
 * The context paths a Dockerfile reads, cleaned, in order: the sources of its
 * COPY and ADD instructions (without --from) and of its RUN --mount=type=bind
 * mounts of the context (without from=).
 */
export function copiedSources(dockerfile: string): CopiedSources {
  const sources: string[] = [];
  for (const { keyword, args } of readInstructions(dockerfile)) {
    const flags = leadingFlags(args).map(wordText);
    let paths: string[];
    if (keyword === 'COPY' || keyword === 'ADD') {
      if (flags.some((flag) => flag.startsWith('--from='))) continue;
      paths = (jsonFormArguments(args) ?? args.slice(flags.length).map(wordText)).slice(0, -1);
      paths = paths.filter((source) => !source.startsWith('<<') && !(keyword === 'ADD' && /^(?:[a-z]+:\/\/|git@)/i.test(source)));
    } else if (keyword === 'RUN') {
      const binds = flags.map(parseRunMount).filter((mount) => mount?.type === 'bind' && mount.fields['from'] === undefined);
      paths = binds.map((mount) => mount!.fields['source'] ?? mount!.fields['src'] ?? '.');
    } else continue;
    for (const source of paths) {
      if (source.includes('$')) return 'all';
      const cleaned = posix.normalize(source.replace(/^\/+/, '')).replace(/\/+$/, '');
      if (cleaned === '.' || cleaned === '' || cleaned === '..' || cleaned.startsWith('../')) return 'all';
      if (!sources.includes(cleaned)) sources.push(cleaned);
    }
  }
  return sources;
}

/** Docker's rule: a file is copied when the pattern (Go's filepath.Match) matches it or one of its parent directories. */
export function sourceMatcher(pattern: string): (file: string) => boolean {
  const regex = new RegExp(`^${patternToRegex(pattern)}$`);
  return (file) => {
    const segments = file.split('/');
    for (let depth = 1; depth <= segments.length; depth++) {
      if (regex.test(segments.slice(0, depth).join('/'))) return true;
    }
    return false;
  };
}

function patternToRegex(pattern: string): string {
  let regex = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '*') regex += '[^/]*';
    else if (char === '?') regex += '[^/]';
    else if (char === '\\' && i + 1 < pattern.length) regex += escapeRegex(pattern[++i]);
    else if (char === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close === -1) regex += '\\[';
      else {
        const body = pattern.slice(i + 1, close).replace(/^\^/, '!');
        regex += `[${body.startsWith('!') ? `^/${body.slice(1)}` : body}]`.replace(/\\(?!\])/g, '\\\\');
        i = close;
      }
    } else regex += escapeRegex(char);
  }
  return regex;
}

function escapeRegex(char: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(char) ? `\\${char}` : char;
}

/** Nx inputs for the files a build.context stage reads, so `nx affected` and Nx's cache follow the key. */
export function copiedFileInputs(stage: Stage): string[] {
  const dir = stage.build.context === undefined ? undefined : buildContextDirectory(stage);
  if (dir === undefined) return [];
  const at = (path: string) => `{workspaceRoot}/${dir === '.' ? '' : `${dir}/`}${path}`;
  const sources = copiedSources(stage.dockerfile ?? '');
  if (sources === 'all') return [at('**/*')];
  return [at('.dockerignore'), ...sources.flatMap((source) => [at(source), at(`${source}/**/*`)])];
}
