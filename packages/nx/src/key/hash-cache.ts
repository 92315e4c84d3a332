import { lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomically } from '../util/atomic';
import { dirname, join } from 'node:path';
import { hashFiles, type HashedFile } from './files';

interface Entry {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  mode: HashedFile['mode'];
  sha256: string;
  recordedMs: number;
}

/** A file changed this close to when its hash was recorded may have changed again within the same timestamp. */
const RACY_WINDOW_MS = 2000;

/**
 * Remembers file hashes by path, size, mtime, ctime and inode, as git's index
 * does, so a run that changed nothing hashes nothing. An entry recorded within
 * two seconds of the file's last change is not trusted. The cache is only ever
 * a shortcut: a lost or stale file costs a re-hash, never a wrong key.
 */
export class FileHashCache {
  private entries: Record<string, Entry> | undefined;
  private changed = false;

  constructor(
    private readonly file: string,
    private readonly racyWindowMs = RACY_WINDOW_MS,
  ) {}

  async hash(workspaceRoot: string, paths: string[]): Promise<HashedFile[]> {
    const entries = this.load();
    const now = Date.now();
    const result: HashedFile[] = new Array(paths.length);
    const missing: number[] = [];
    const stats = paths.map((path) => lstatSync(join(workspaceRoot, path)));
    paths.forEach((path, index) => {
      const stat = stats[index];
      const entry = entries[path];
      const trusted =
        entry &&
        entry.size === stat.size &&
        entry.mtimeMs === stat.mtimeMs &&
        entry.ctimeMs === stat.ctimeMs &&
        entry.ino === stat.ino &&
        entry.recordedMs - Math.max(stat.mtimeMs, stat.ctimeMs) > this.racyWindowMs;
      if (trusted) result[index] = { path, mode: entry.mode, sha256: entry.sha256 };
      else missing.push(index);
    });
    if (missing.length) {
      const hashed = await hashFiles(workspaceRoot, missing.map((index) => paths[index]));
      hashed.forEach((file, i) => {
        const index = missing[i];
        const stat = stats[index];
        result[index] = file;
        entries[file.path] = { size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, ino: stat.ino, mode: file.mode, sha256: file.sha256, recordedMs: now };
      });
      this.changed = true;
    }
    return result;
  }

  /** Writes the cache (atomically; concurrent writers just lose each other's new entries). */
  save(): void {
    if (!this.changed || !this.entries) return;
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileAtomically(this.file, JSON.stringify(this.entries));
    this.changed = false;
  }

  private load(): Record<string, Entry> {
    if (!this.entries) {
      this.entries = {};
      let stored: unknown;
      try {
        stored = JSON.parse(readFileSync(this.file, 'utf8'));
      } catch {
        // missing, truncated or garbage: start empty
      }
      if (stored && typeof stored === 'object' && !Array.isArray(stored)) {
        for (const [path, entry] of Object.entries(stored)) if (isEntry(entry)) this.entries[path] = entry;
      }
    }
    return this.entries;
  }
}

/** Only a well-formed entry is trusted; anything else in a damaged cache file is dropped. */
function isEntry(value: unknown): value is Entry {
  if (!value || typeof value !== 'object') return false;
  const entry = value as Record<string, unknown>;
  const numbers = ['size', 'mtimeMs', 'ctimeMs', 'ino', 'recordedMs'].every((field) => Number.isFinite(entry[field]));
  return numbers && ['644', '755', 'symlink'].includes(entry['mode'] as string) && /^[0-9a-f]{64}$/.test(String(entry['sha256']));
}
