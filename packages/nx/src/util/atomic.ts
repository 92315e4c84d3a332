import { randomUUID } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** A fresh name beside `final` for a file that is renamed into place once complete. */
export function temporarySibling(final: string): string {
  return join(dirname(final), `.tmp-${basename(final)}-${randomUUID()}`);
}

/** Writes a file through a temporary sibling, so that readers see the old content or the new, never a torn file. */
export function writeFileAtomically(file: string, content: string): void {
  const temporary = temporarySibling(file);
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}

/**
 * Fills a temporary directory beside `final` and renames it into place, so that
 * `final` either does not exist or is complete. When another caller publishes
 * the same directory first, theirs is kept and this copy is discarded.
 */
export async function publishDirectory(final: string, populate: (directory: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(final), { recursive: true });
  const directory = await mkdtemp(join(dirname(final), `.tmp-${basename(final)}-`));
  try {
    await populate(directory);
    try {
      await rename(directory, final);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
