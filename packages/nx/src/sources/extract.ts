import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { runChecked } from '../util/process';

/**
 * Unpacks a tar archive (plain, gzip, bzip2 or xz: GNU tar detects which) into
 * `destDir`. When the archive holds exactly one top-level directory, its
 * contents become destDir's contents (the `cd pkg-1.2*` of OpenBMC's script).
 * GNU tar refuses members that would land outside the directory ('..' in a
 * name, writing through a symlink) and strips leading '/', so nothing escapes.
 */
export async function extractArchive(archive: string, destDir: string): Promise<void> {
  await mkdir(dirname(destDir), { recursive: true });
  const staging = await mkdtemp(join(dirname(destDir), `.extract-${basename(destDir)}-`));
  try {
    await runChecked('tar', ['-xf', archive, '-C', staging, '--no-same-owner'], `could not unpack ${archive}`);
    const top = await readdir(staging, { withFileTypes: true });
    const root = top.length === 1 && top[0].isDirectory() ? join(staging, top[0].name) : staging;
    await mkdir(destDir, { recursive: true });
    for (const name of await readdir(root)) await rename(join(root, name), join(destDir, name));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
