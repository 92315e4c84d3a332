import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import fg from 'fast-glob';

/** A file as the key sees it: path, whether it is executable, and its content hash. */
export interface HashedFile {
  path: string;
  mode: '644' | '755' | 'symlink';
  sha256: string;
}

const ALWAYS_IGNORED = ['**/node_modules/**', '**/.git/**', '**/.nx/**'];

/** Lists the files under `dir` (relative to the workspace root), sorted, skipping nested stages and tool folders. */
export async function listFiles(workspaceRoot: string, dir: string, exclude: string[] = []): Promise<string[]> {
  const files = await fg('**/*', {
    cwd: join(workspaceRoot, dir),
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
    ignore: [...ALWAYS_IGNORED, ...exclude],
  });
  return files.sort();
}

/** Files matching workspace-relative globs, sorted. */
export async function globWorkspace(workspaceRoot: string, patterns: string[]): Promise<string[]> {
  if (patterns.length === 0) return [];
  const files = await fg(patterns, {
    cwd: workspaceRoot,
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
    ignore: ALWAYS_IGNORED,
  });
  return [...new Set(files)].sort();
}

const HASH_CONCURRENCY = 16;

/**
 * Hashes files (paths relative to `baseDir`). Only the executable bit of the mode
 * counts, as in git, so a checkout's umask never changes a key.
 */
export async function hashFiles(baseDir: string, paths: string[]): Promise<HashedFile[]> {
  const result: HashedFile[] = new Array(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const index = next++;
      result[index] = await hashOne(baseDir, paths[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(HASH_CONCURRENCY, paths.length) }, worker));
  return result;
}

async function hashOne(baseDir: string, path: string): Promise<HashedFile> {
  const full = join(baseDir, path);
  const stat = await fs.lstat(full);
  if (stat.isSymbolicLink()) {
    const target = await fs.readlink(full);
    return { path, mode: 'symlink', sha256: createHash('sha256').update(target).digest('hex') };
  }
  return { path, mode: stat.mode & 0o111 ? '755' : '644', sha256: await sha256File(full) };
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file, { highWaterMark: 1 << 20 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
