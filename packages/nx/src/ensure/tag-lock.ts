import { createHash, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const POLL_MS = 100;

/**
 * A lock per tag, shared by every process on this machine (two runs, or
 * parallel package tasks), so a tag is built once: the holder builds, and a
 * waiter then finds the image present.
 *
 * A lock whose process is gone is taken over, and never by two waiters at once.
 * Removing a stale lock file and creating a new one (what proper-lockfile and
 * most lock libraries do) lets a slow waiter remove the lock another waiter has
 * just taken, and both go on. So nothing is ever removed to take a lock over:
 * each holder creates the next numbered generation `<n+1>` with an atomic link,
 * which exactly one waiter wins. The newest generation is the lock; it is free
 * when marked released or when its process (pid and start time) is gone. A
 * waiter that won a generation older than the newest one stands down.
 *
 * Each tag has its own directory, so taking a lock reads only that tag's few
 * entries. Nothing removes a tag's directory, not even long after its last
 * release: the above rests on the newest generation never going away. A waiter
 * that has just read generation n as free links n+1 a moment later; were the
 * directory removed and made afresh in between, its n+1 would outrank the new
 * holder's generation 1, and both would hold the lock.
 */
export async function withTagLock<T>(lockDir: string, tag: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const dir = join(lockDir, createHash('sha256').update(tag).digest('hex').slice(0, 32));
  mkdirSync(dir, { recursive: true });
  const generation = await acquire(dir, tag, signal);
  try {
    return await work();
  } finally {
    writeFileSync(releasedMarker(dir, generation), '');
  }
}

async function acquire(dir: string, tag: string, signal: AbortSignal | undefined): Promise<number> {
  for (;;) {
    if (signal?.aborted) throw new Error(`cancelled while waiting for the lock on ${tag}`);
    const newest = newestGeneration(dir);
    if (newest === 0 || isFree(dir, newest)) {
      const claimed = claim(dir, newest + 1);
      if (claimed) return newest + 1;
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Creates generation n with this process as holder; false when another waiter won it or a newer one exists. */
function claim(dir: string, generation: number): boolean {
  const file = generationFile(dir, generation);
  const temporary = join(dir, `${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  writeFileSync(temporary, ownerRecord());
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
  // A waiter that read an old newest generation may win a number another holder's
  // clean-up already removed: a newer generation means the lock is not ours.
  if (newestGeneration(dir) !== generation) {
    removeQuietly(file);
    return false;
  }
  for (const older of generations(dir).filter((n) => n < generation)) {
    removeQuietly(generationFile(dir, older));
    removeQuietly(releasedMarker(dir, older));
  }
  return true;
}

function isFree(dir: string, generation: number): boolean {
  try {
    readFileSync(releasedMarker(dir, generation));
    return true;
  } catch {
    // not released: free only when its holder is gone
  }
  let record: string;
  try {
    record = readFileSync(generationFile(dir, generation), 'utf8');
  } catch {
    return true;
  }
  return !holderIsAlive(record);
}

/** The holder's pid and its start time, so a recycled pid does not keep a dead holder's lock. */
function ownerRecord(pid = process.pid): string {
  return `${pid} ${processStartTime(pid) ?? ''}`.trim();
}

function holderIsAlive(record: string): boolean {
  const [pidText, started] = record.split(' ');
  const pid = Number(pidText);
  // A record that is not ours to read (truncated, garbage) holds nothing.
  if (!/^\d+$/.test(pidText ?? '') || !Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  return started === undefined || processStartTime(pid) === started;
}

/** Field 22 of /proc/<pid>/stat (clock ticks since boot); undefined where there is no /proc. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function generations(dir: string): number[] {
  return readdirSync(dir)
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

function newestGeneration(dir: string): number {
  return Math.max(0, ...generations(dir));
}

function generationFile(dir: string, generation: number): string {
  return join(dir, String(generation));
}

function releasedMarker(dir: string, generation: number): string {
  return join(dir, `${generation}.released`);
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
