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
 * each holder creates the next numbered generation `<lock>.<n+1>` with an
 * atomic link, which exactly one waiter wins. The newest generation is the lock;
 * it is free when marked released or when its process (pid and start time) is
 * gone. A waiter that won a generation older than the newest one stands down.
 */
export async function withTagLock<T>(lockDir: string, tag: string, work: () => Promise<T>): Promise<T> {
  mkdirSync(lockDir, { recursive: true });
  const name = createHash('sha256').update(tag).digest('hex').slice(0, 32);
  const generation = await acquire(lockDir, name);
  try {
    return await work();
  } finally {
    writeFileSync(releasedMarker(lockDir, name, generation), '');
  }
}

async function acquire(lockDir: string, name: string): Promise<number> {
  for (;;) {
    const newest = newestGeneration(lockDir, name);
    if (newest === 0 || isFree(lockDir, name, newest)) {
      const claimed = claim(lockDir, name, newest + 1);
      if (claimed) return newest + 1;
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Creates generation n with this process as holder; false when another waiter won it or a newer one exists. */
function claim(lockDir: string, name: string, generation: number): boolean {
  const file = generationFile(lockDir, name, generation);
  const temporary = join(lockDir, `${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
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
  if (newestGeneration(lockDir, name) !== generation) {
    removeQuietly(file);
    return false;
  }
  for (const older of generations(lockDir, name).filter((n) => n < generation)) {
    removeQuietly(generationFile(lockDir, name, older));
    removeQuietly(releasedMarker(lockDir, name, older));
  }
  return true;
}

function isFree(lockDir: string, name: string, generation: number): boolean {
  try {
    readFileSync(releasedMarker(lockDir, name, generation));
    return true;
  } catch {
    // not released: free only when its holder is gone
  }
  let record: string;
  try {
    record = readFileSync(generationFile(lockDir, name, generation), 'utf8');
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

function generations(lockDir: string, name: string): number[] {
  const pattern = new RegExp(`^${name}\\.(\\d+)$`);
  return readdirSync(lockDir)
    .map((entry) => pattern.exec(entry)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
}

function newestGeneration(lockDir: string, name: string): number {
  return Math.max(0, ...generations(lockDir, name));
}

function generationFile(lockDir: string, name: string, generation: number): string {
  return join(lockDir, `${name}.${generation}`);
}

function releasedMarker(lockDir: string, name: string, generation: number): string {
  return join(lockDir, `${name}.${generation}.released`);
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
