import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathExists, temporarySibling } from '../util/atomic';
import { downloadTo, type DownloadProgress } from './download';
import { sha256OfFile } from './sha256-file';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The archive store's path for a sha256: `<store>/sha256/<hex>`. */
export function archivePath(store: string, sha256: string): string {
  return join(store, 'sha256', sha256);
}

/** Lower-cases a sha256 and checks that it is 64 hex digits. */
export function normaliseSha256(sha256: string, what?: string): string {
  const hex = sha256.toLowerCase();
  if (!SHA256_HEX.test(hex)) throw new Error(`${prefix(what)}'${sha256}' is not a sha256 (64 hex digits)`);
  return hex;
}

/**
 * Returns the path of the archive with this sha256 in the content-addressed
 * store, downloading it from `url` first when the store does not have it.
 * Archives are verified when stored and again when reused; a stored archive is returned with
 * no network access. `what` names the stage file and field for error messages.
 */
export async function fetchArchive(url: string, sha256: string, store: string, what?: string, onProgress?: DownloadProgress): Promise<string> {
  const expected = normaliseSha256(sha256, what);
  const target = archivePath(store, expected);
  if (await pathExists(target)) {
    // The store is checked as it is used: a damaged archive is fetched again, never unpacked.
    if ((await sha256OfFile(target).catch(() => undefined)) === expected) return target;
    await rm(target, { force: true });
  }

  await mkdir(join(store, 'sha256'), { recursive: true });
  const temporary = temporarySibling(target);
  try {
    let actual: string;
    try {
      actual = await downloadTo(url, temporary, onProgress);
    } catch (error) {
      throw new Error(`${prefix(what)}could not fetch ${url}: ${(error as Error).message}; nothing was built`);
    }
    if (actual !== expected) {
      throw new Error(
        `${prefix(what)}sha256 mismatch for ${url}: expected ${expected}, got ${actual}; the download was discarded and nothing was built`,
      );
    }
    // rename() replaces atomically, so concurrent fetches of the same archive all succeed.
    await rename(temporary, target);
    return target;
  } finally {
    await rm(temporary, { force: true });
  }
}

function prefix(what: string | undefined): string {
  return what ? `${what}: ` : '';
}
