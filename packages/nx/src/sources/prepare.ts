import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RemoteSource } from '../stage/types';
import { pathExists, publishDirectory } from '../util/atomic';
import { extractArchive } from './extract';
import { fetchArchive, normaliseSha256 } from './fetch-archive';
import { exportGitRev, resolveGitRev, withSourcesCommand } from './git';
import { discardTree, manifestPathOf, recordedTree, treeIsIntact, writeTreeManifest, type RecordedEntry } from './tree-manifest';

export interface PrepareSourceOptions {
  workspaceRoot: string;
  /** Holds sha256/ (archives), git/ (mirrors) and trees/ (unpacked sources). */
  cacheDir: string;
  /** The stage file and field, for error messages: "packages/zlib/stage.json at /source"; errors start with it. */
  what: string;
  /** The commit the stage's key names (a pinned floating rev); without it the rev must be exact. */
  commit?: string;
  /** The command that fetches sources ahead of builds (the workspace's sources target), named when a remote is unreachable. */
  sourcesCommand: string;
  /**
   * The caller checks every file against `recorded` as it reads it (a build context is packed so):
   * a cached tree is then not read here first. Without it, a cached tree is checked here.
   */
  checkedByReader?: boolean;
}

export interface PreparedSource {
  /** The unpacked source tree, shared by every caller: read it, never change it. */
  dir: string;
  /** What identifies the source in the stage key. */
  identity: Record<string, string>;
  /** With checkedByReader, for a cached tree: what its manifest recorded, for the reader to check against. */
  recorded?: RecordedEntry[];
}

/** The unpacked tree for a sha256 or a commit: `<cacheDir>/trees/<id>`. */
export function treePath(cacheDir: string, id: string): string {
  return join(cacheDir, 'trees', id);
}

/**
 * Makes a stage's source available on the host as an unpacked tree: fetches and
 * verifies an archive, or exports a commit from a cached git mirror. Trees are
 * cached and published atomically, so concurrent callers are safe and a cached
 * source needs no network.
 */
export async function prepareSource(source: RemoteSource, options: PrepareSourceOptions): Promise<PreparedSource> {
  const { workspaceRoot, cacheDir, what } = options;
  if ('url' in source) {
    const sha256 = normaliseSha256(source.sha256, what);
    const dir = treePath(cacheDir, sha256);
    const recorded = await ensureTree(dir, options.checkedByReader, async (temporary) => {
      const archive = await fetchArchive(resolveSourceUrl(source.url, workspaceRoot), sha256, cacheDir, what);
      await extractArchive(archive, temporary);
    });
    return { dir, identity: { sha256 }, recorded };
  }

  const repo = resolveGitRepo(source.git, workspaceRoot);
  try {
    const commit = options.commit ?? (await resolveGitRev(repo, source.rev, cacheDir));
    const dir = treePath(cacheDir, commit);
    const recorded = await ensureTree(dir, options.checkedByReader, async (temporary) => {
      await exportGitRev(repo, commit, temporary, cacheDir);
    });
    return { dir, identity: { git: source.git, commit }, recorded };
  } catch (error) {
    throw new Error(`${what}: ${withSourcesCommand(error, options.sourcesCommand).message}`);
  }
}

/**
 * Makes sure the unpacked tree at `dir` exists and matches its manifest: a
 * missing, damaged or unrecorded tree is (re)made by `populate` and published
 * atomically. When the reader checks the files, a cached tree with a manifest
 * is taken as it is, and its manifest returned for the reader.
 */
async function ensureTree(dir: string, checkedByReader: boolean | undefined, populate: (temporary: string) => Promise<void>): Promise<RecordedEntry[] | undefined> {
  const manifest = manifestPathOf(dir);
  if (await pathExists(dir)) {
    const recorded = checkedByReader ? await recordedTree(manifest) : undefined;
    if (recorded) return recorded;
    if (await treeIsIntact(dir, manifest)) return undefined;
  }
  await discardTree(dir);
  await publishDirectory(dir, async (temporary) => {
    await populate(temporary);
    await writeTreeManifest(temporary, manifest);
  });
  return undefined;
}

/** Turns a relative file: url (`file:vendor/zlib.tar.gz`) into an absolute one under the workspace root. */
export function resolveSourceUrl(url: string, workspaceRoot: string): string {
  if (!url.startsWith('file:') || url.startsWith('file:/')) return url;
  return pathToFileURL(resolve(workspaceRoot, decodeURIComponent(url.slice('file:'.length)))).href;
}

/** Resolves a repository given as a relative path (`./vendor/repo.git`) against the workspace root. */
export function resolveGitRepo(repo: string, workspaceRoot: string): string {
  const relative = repo.startsWith('./') || repo.startsWith('../');
  return relative && !isAbsolute(repo) ? resolve(workspaceRoot, repo) : repo;
}
