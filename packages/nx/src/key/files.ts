import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** A file as the key sees it: path, whether it is executable, and its content hash. */
export interface HashedFile {
  path: string;
  mode: '644' | '755' | 'symlink';
  sha256: string;
}

const ALWAYS_IGNORED = ['**/node_modules/**', '**/.git/**', '**/.nx/**'];
const IGNORED_DIRECTORIES = new Set(['node_modules', '.git', '.nx']);

/**
 * Lists the files (and symlinks) under `dir` (relative to the workspace root),
 * sorted, skipping tool folders and the given subdirectories (relative to
 * `dir`, e.g. nested stages). A plain walk: no glob matching is needed here.
 */
export async function listFiles(workspaceRoot: string, dir: string, excludeDirs: string[] = []): Promise<string[]> {
  const excluded = new Set(excludeDirs.map((path) => path.replace(/\/+$/, '')));
  const files: string[] = [];
  const walk = (relative: string) => {
    const entries = readdirSync(join(workspaceRoot, dir, relative), { withFileTypes: true });
    for (const entry of entries) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!IGNORED_DIRECTORIES.has(entry.name) && !excluded.has(path)) walk(path);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        files.push(path);
      }
    }
  };
  walk('');
  return files.sort();
}

/** Files matching workspace-relative globs, sorted. */
export async function globWorkspace(workspaceRoot: string, patterns: string[]): Promise<string[]> {
  if (patterns.length === 0) return [];
  const fg = (await import('fast-glob')).default;
  const files = await fg(patterns, {
    cwd: workspaceRoot,
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
    ignore: ALWAYS_IGNORED,
  });
  return [...new Set(files)].sort();
}

/**
 * Hashes files (paths relative to `baseDir`). Only the executable bit of the mode
 * counts, as in git, so a checkout's umask never changes a key. Large sets are
 * split across worker threads, at most one per core in the whole process, each reading with one reused
 * buffer, so memory stays bounded whatever the file sizes.
 */
export async function hashFiles(baseDir: string, paths: string[]): Promise<HashedFile[]> {
  const workers = workerLimit();
  if (paths.length < FILES_PER_WORKER_MINIMUM * 2 || workers < 2) return hashFilesHere(baseDir, paths);
  const shares: string[][] = Array.from({ length: workers }, () => []);
  paths.forEach((path, index) => shares[index % workers].push(path));
  const results = await Promise.all(shares.map((share) => hashInWorker(baseDir, share)));
  return paths.map((_, index) => results[index % workers][Math.floor(index / workers)]);
}

const MAX_WORKERS = 8;
const FILES_PER_WORKER_MINIMUM = 512;
const READ_BUFFER_BYTES = 1 << 20;

/** The hashing loop, as plain JavaScript so it runs the same in a worker, in dist and under ts-jest. */
const HASH_LOOP = `
const { closeSync, lstatSync, openSync, readlinkSync, readSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { join } = require('node:path');
function hashAll(baseDir, paths, bufferBytes) {
  const buffer = Buffer.allocUnsafe(bufferBytes);
  return paths.map((path) => {
    const full = join(baseDir, path);
    const stat = lstatSync(full);
    if (stat.isSymbolicLink()) {
      return { path, mode: 'symlink', sha256: createHash('sha256').update(readlinkSync(full)).digest('hex') };
    }
    const hash = createHash('sha256');
    const fd = openSync(full, 'r');
    try {
      let read;
      while ((read = readSync(fd, buffer, 0, buffer.length, null)) > 0) hash.update(buffer.subarray(0, read));
    } finally {
      closeSync(fd);
    }
    return { path, mode: stat.mode & 0o111 ? '755' : '644', sha256: hash.digest('hex') };
  });
}
`;

const hashAllHere = new Function('require', `${HASH_LOOP}; return hashAll;`)(require) as (
  baseDir: string,
  paths: string[],
  bufferBytes: number,
) => HashedFile[];

function hashFilesHere(baseDir: string, paths: string[]): HashedFile[] {
  return hashAllHere(baseDir, paths, READ_BUFFER_BYTES);
}

function workerLimit(): number {
  return Math.min(availableParallelism(), MAX_WORKERS);
}

/**
 * Hashing workers are shared by the whole process: however many stages are
 * planned at once, at most one worker per core runs, and the rest wait.
 */
let runningWorkers = 0;
const waitingForWorker: Array<() => void> = [];

async function withWorkerSlot<T>(work: () => Promise<T>): Promise<T> {
  if (runningWorkers >= workerLimit()) await new Promise<void>((resolve) => waitingForWorker.push(resolve));
  else runningWorkers++;
  try {
    return await work();
  } finally {
    const next = waitingForWorker.shift();
    if (next) next();
    else runningWorkers--;
  }
}

function hashInWorker(baseDir: string, paths: string[]): Promise<HashedFile[]> {
  return withWorkerSlot(() => hashInNewWorker(baseDir, paths));
}

function hashInNewWorker(baseDir: string, paths: string[]): Promise<HashedFile[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(
      `${HASH_LOOP}
const { parentPort, workerData } = require('node:worker_threads');
parentPort.postMessage(hashAll(workerData.baseDir, workerData.paths, workerData.bufferBytes));`,
      { eval: true, workerData: { baseDir, paths, bufferBytes: READ_BUFFER_BYTES } },
    );
    let hashed: HashedFile[] | undefined;
    worker.once('message', (message: HashedFile[]) => (hashed = message));
    worker.once('error', reject);
    // Its slot in the pool is free only once the thread has ended.
    worker.once('exit', (code) => {
      if (code === 0 && hashed) resolve(hashed);
      else reject(new Error(`the hashing worker stopped with exit code ${code}`));
    });
  });
}
