import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathExists, publishDirectory } from './atomic';
import { runChecked, runCommand, runPipeline } from './process';

const FULL_COMMIT = /^[0-9a-fA-F]{40}$/;

/** Git never prompts, and only transports that cannot run local commands are allowed. */
const GIT_ENV: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
const GIT_SAFETY = ['-c', 'protocol.allow=never', ...['file', 'git', 'http', 'https', 'ssh'].flatMap((p) => ['-c', `protocol.${p}.allow=always`])];

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
  return withSoundMirror(repo, cacheDir, (mirror) => resolveInMirror(mirror, repo, rev, kind));
}

async function resolveInMirror(mirror: string, repo: string, rev: string, kind: 'commit' | 'tag'): Promise<string> {
  const lookUp = () => (kind === 'commit' ? findCommit(mirror, rev.toLowerCase()) : findTag(mirror, rev));

  let commit = await lookUp();
  if (!commit) {
    await updateMirror(mirror, repo);
    commit = await lookUp();
  }
  if (!commit && kind === 'commit') {
    // A commit no branch or tag reaches; servers that allow it hand it over by id.
    await git(mirror, ['fetch', '--quiet', 'origin', rev.toLowerCase()]).catch(() => undefined);
    commit = await lookUp();
  }
  if (commit) return commit;
  if (kind === 'commit') throw new Error(`rev '${rev}' of ${repo} does not exist: the repository has no such commit`);
  throw notExact(repo, rev);
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
  return new Error(
    `rev '${rev}' of ${repo} is not exact: pin a commit or a tag (semver ranges and branches need \`nx g @stagecraft/nx:lock\`)`,
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
