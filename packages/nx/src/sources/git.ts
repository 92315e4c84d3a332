import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathExists, publishDirectory } from '../util/atomic';
import { runChecked, runCommand, runPipeline } from '../util/process';

const FULL_COMMIT = /^[0-9a-fA-F]{40}$/;

/** Git never prompts, and only transports that cannot run local commands are allowed. */
export const GIT_ENV: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
export const GIT_SAFETY = ['-c', 'protocol.allow=never', ...['file', 'git', 'http', 'https', 'ssh'].flatMap((p) => ['-c', `protocol.${p}.allow=always`])];

/** The bare mirror of `repo` kept in the cache: `<cacheDir>/git/<sha256 of repo>`. */
export function mirrorPath(repo: string, cacheDir: string): string {
  return join(cacheDir, 'git', createHash('sha256').update(repo).digest('hex'));
}

/**
 * Resolves an exact rev (a full commit id or a tag) to a commit, using the
 * cached mirror of `repo` and fetching only when the mirror lacks the rev.
 */
export async function resolveGitRev(repo: string, rev: string, cacheDir: string): Promise<string> {
  const kind = await exactRevKind(rev);
  if (!kind) throw notExact(repo, rev);
  if (kind === 'commit') return ensureCommit(repo, rev.toLowerCase(), cacheDir);
  return withSoundMirror(repo, cacheDir, (mirror) => resolveTagInMirror(mirror, repo, rev));
}

async function resolveTagInMirror(mirror: string, repo: string, rev: string): Promise<string> {
  let commit = await findTag(mirror, rev);
  if (!commit) {
    await updateMirror(mirror, repo);
    commit = await findTag(mirror, rev);
  }
  if (commit) return commit;
  throw notExact(repo, rev);
}

/**
 * Makes sure the mirror of `repo` holds `commit`, fetching only when it does
 * not. When the remote cannot be reached, the error says how to fetch ahead.
 */
export async function ensureCommit(repo: string, commit: string, cacheDir: string): Promise<string> {
  const mirror = mirrorPath(repo, cacheDir);
  if ((await pathExists(mirror)) && (await findCommit(mirror, commit))) return commit;
  await ensureMirror(repo, cacheDir).catch((error: Error) => {
    throw unreachable(repo, commit, error);
  });
  return withSoundMirror(repo, cacheDir, (sound) => fetchCommitInto(sound, repo, commit));
}

async function fetchCommitInto(mirror: string, repo: string, commit: string): Promise<string> {
  if (await findCommit(mirror, commit)) return commit;
  await updateMirror(mirror, repo).catch((error: Error) => {
    throw unreachable(repo, commit, error);
  });
  if (await findCommit(mirror, commit)) return commit;
  // A commit no branch or tag reaches; servers that allow it hand it over by id.
  await git(mirror, ['fetch', '--quiet', 'origin', commit]).catch(() => undefined);
  if (await findCommit(mirror, commit)) return commit;
  throw new Error(`rev '${commit}' of ${repo} does not exist: the repository has no such commit`);
}

/** A commit the mirror lacks while its remote cannot be reached: fetching sources ahead of builds avoids it. */
export class RemoteUnreachableError extends Error {}

function unreachable(repo: string, commit: string, error: Error): Error {
  return new RemoteUnreachableError(
    `the git mirror of ${repo} lacks commit ${commit} and the remote could not be reached (${error.message}); ` +
      'fetch sources ahead of builds, while the remote is reachable',
  );
}

/** The error as it is, or, when the remote was unreachable, with the command that fetches sources ahead. */
export function withSourcesCommand(error: unknown, sourcesCommand: string): Error {
  if (error instanceof RemoteUnreachableError) return new RemoteUnreachableError(`${error.message}, with: ${sourcesCommand}`);
  return error as Error;
}

/** Writes the tree of `rev` (a full commit id or a tag) of `repo` into destDir. */
export async function exportGitRev(repo: string, rev: string, destDir: string, cacheDir: string): Promise<{ commit: string }> {
  const commit = await resolveGitRev(repo, rev, cacheDir);
  await withSoundMirror(repo, cacheDir, async (mirror) => {
    await rm(destDir, { recursive: true, force: true });
    await mkdir(destDir, { recursive: true });
    await runPipeline(
      ['git', [...GIT_SAFETY, '--git-dir', mirror, 'archive', '--format=tar', commit]],
      ['tar', ['-x', '-C', destDir, '--no-same-owner']],
      `could not export ${commit} of ${repo}`,
      { env: GIT_ENV },
    );
  });
  return { commit };
}

/** Whether the local mirror of `repo` already holds a commit or a tag, without asking the remote. */
export async function mirrorHolds(repo: string, exactRev: string, cacheDir: string): Promise<boolean> {
  const mirror = mirrorPath(repo, cacheDir);
  if (!(await pathExists(mirror))) return false;
  const kind = await exactRevKind(exactRev);
  if (kind === 'commit') return (await findCommit(mirror, exactRev.toLowerCase())) !== undefined;
  return kind === 'tag' && (await findTag(mirror, exactRev)) !== undefined;
}

/** A rev that names no commit and no tag of the repository. */
export class NotExactRevError extends Error {}

/**
 * Runs `use` on the cached mirror of `repo`. A mirror is only a cache: when
 * using it fails and git finds it damaged (a truncated or garbage file), it is
 * discarded and cloned again once, so a broken cache never fails a run.
 */
async function withSoundMirror<T>(repo: string, cacheDir: string, use: (mirror: string) => Promise<T>): Promise<T> {
  const mirror = await ensureMirror(repo, cacheDir);
  try {
    return await use(mirror);
  } catch (error) {
    if (await mirrorIsSound(mirror)) throw error;
    await discardMirror(mirror);
    return use(await ensureMirror(repo, cacheDir));
  }
}

async function mirrorIsSound(mirror: string): Promise<boolean> {
  const check = await runCommand('git', ['--git-dir', mirror, 'fsck', '--no-dangling', '--no-progress'], { env: GIT_ENV });
  return check.code === 0;
}

async function discardMirror(mirror: string): Promise<void> {
  const trash = `${mirror}.discarded-${randomUUID()}`;
  await rename(mirror, trash).catch(() => undefined);
  await rm(trash, { recursive: true, force: true });
}

function notExact(repo: string, rev: string): Error {
  return new NotExactRevError(
    `rev '${rev}' is not a commit or a tag of ${repo}: a branch or a semver range needs a pin (\`nx g @stagecraft/nx:lock\`)`,
  );
}

async function exactRevKind(rev: string): Promise<'commit' | 'tag' | undefined> {
  if (FULL_COMMIT.test(rev)) return 'commit';
  const valid = await runCommand('git', ['check-ref-format', `refs/tags/${rev}`], { env: GIT_ENV });
  return valid.code === 0 ? 'tag' : undefined;
}

async function findCommit(mirror: string, commit: string): Promise<string | undefined> {
  const result = await runCommand('git', ['--git-dir', mirror, 'cat-file', '-e', `${commit}^{commit}`], { env: GIT_ENV });
  return result.code === 0 ? commit : undefined;
}

async function findTag(mirror: string, tag: string): Promise<string | undefined> {
  const result = await runCommand('git', ['--git-dir', mirror, 'rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`], {
    env: GIT_ENV,
  });
  return result.code === 0 ? result.stdout.trim() : undefined;
}

/** A mirror of a repository on disk copies its objects (--no-hardlinks): damage to the cache must never reach the repository. */
async function ensureMirror(repo: string, cacheDir: string): Promise<string> {
  const mirror = mirrorPath(repo, cacheDir);
  if (await pathExists(mirror)) return mirror;
  await publishDirectory(mirror, (temporary) =>
    runChecked('git', [...GIT_SAFETY, 'clone', '--mirror', '--no-hardlinks', '--quiet', '--', repo, temporary], `could not clone ${repo}`, {
      env: GIT_ENV,
    }).then(() => undefined),
  );
  return mirror;
}

/** Fetches of one mirror run one at a time within this process (git locks its refs). */
const mirrorUpdates = new Map<string, Promise<void>>();

function updateMirror(mirror: string, repo: string): Promise<void> {
  const previous = mirrorUpdates.get(mirror) ?? Promise.resolve();
  const update = previous
    .catch(() => undefined)
    .then(() => git(mirror, ['fetch', '--quiet', '--prune', 'origin']).then(() => undefined))
    .catch((error: Error) => {
      throw new Error(`could not fetch ${repo}: ${error.message}`);
    });
  mirrorUpdates.set(mirror, update);
  return update;
}

function git(mirror: string, args: string[]): Promise<string> {
  return runChecked('git', [...GIT_SAFETY, '--git-dir', mirror, ...args], `git ${args[0]} failed`, { env: GIT_ENV });
}
