import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathExists, publishDirectory } from './atomic';
import { runChecked, runCommand, runPipeline } from './process';
import { SOURCES_COMMAND } from '../lock/commands';

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
  const mirror = await ensureMirror(repo, cacheDir);
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
  try {
    await ensureMirror(repo, cacheDir);
    if (await findCommit(mirror, commit)) return commit;
    await updateMirror(mirror, repo);
  } catch (error) {
    throw new Error(
      `the git mirror of ${repo} lacks commit ${commit} and the remote could not be reached (${(error as Error).message}); ` +
        `fetch sources ahead of builds, while the remote is reachable, with: ${SOURCES_COMMAND}`,
    );
  }
  if (await findCommit(mirror, commit)) return commit;
  // A commit no branch or tag reaches; servers that allow it hand it over by id.
  await git(mirror, ['fetch', '--quiet', 'origin', commit]).catch(() => undefined);
  if (await findCommit(mirror, commit)) return commit;
  throw new Error(`rev '${commit}' of ${repo} does not exist: the repository has no such commit`);
}

/** Writes the tree of `rev` (a full commit id or a tag) of `repo` into destDir. */
export async function exportGitRev(repo: string, rev: string, destDir: string, cacheDir: string): Promise<{ commit: string }> {
  const commit = await resolveGitRev(repo, rev, cacheDir);
  await mkdir(destDir, { recursive: true });
  await runPipeline(
    ['git', [...GIT_SAFETY, '--git-dir', mirrorPath(repo, cacheDir), 'archive', '--format=tar', commit]],
    ['tar', ['-x', '-C', destDir, '--no-same-owner']],
    `could not export ${commit} of ${repo}`,
    { env: GIT_ENV },
  );
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

async function ensureMirror(repo: string, cacheDir: string): Promise<string> {
  const mirror = mirrorPath(repo, cacheDir);
  if (await pathExists(mirror)) return mirror;
  await publishDirectory(mirror, (temporary) =>
    runChecked('git', [...GIT_SAFETY, 'clone', '--mirror', '--quiet', '--', repo, temporary], `could not clone ${repo}`, {
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
