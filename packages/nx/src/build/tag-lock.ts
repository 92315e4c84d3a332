import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const POLL_MS = 200;

/**
 * A lock per tag, shared by every process on this machine (two runs, or
 * parallel package tasks), so a tag is built once: the holder builds, and a
 * waiter then finds the image present. A lock whose process is gone is taken over.
 */
export async function withTagLock<T>(lockDir: string, tag: string, work: () => Promise<T>): Promise<T> {
  mkdirSync(lockDir, { recursive: true });
  const file = join(lockDir, `${createHash('sha256').update(tag).digest('hex').slice(0, 32)}.lock`);
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (holderIsGone(file)) rmSync(file, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(file, { force: true });
  }
}

function holderIsGone(file: string): boolean {
  try {
    const pid = Number(readFileSync(file, 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
