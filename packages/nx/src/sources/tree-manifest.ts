import { randomUUID } from 'node:crypto';
import { lstat, readFile, readdir, readlink, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashFiles } from '../key/files';

/**
 * What an unpacked source tree held when it was published: every entry's
 * path, kind, mode bits and content hash. A tree in the cache that no longer
 * matches its manifest (a truncated or overwritten file, a lost one) is
 * discarded and unpacked again instead of being built from.
 */
type Manifest = Record<string, string>;

export function manifestPathOf(treeDir: string): string {
  return `${treeDir}.manifest.json`;
}

export async function writeTreeManifest(treeDir: string, manifestFile: string): Promise<void> {
  const manifest = await describeTree(treeDir);
  const temporary = `${manifestFile}.${randomUUID()}.tmp`;
  await writeFile(temporary, JSON.stringify(manifest));
  await rename(temporary, manifestFile);
}

export async function treeIsIntact(treeDir: string, manifestFile: string): Promise<boolean> {
  const expected = await readManifest(manifestFile);
  if (!expected) return false;
  try {
    const actual = await describeTree(treeDir);
    const paths = Object.keys(actual);
    return paths.length === Object.keys(expected).length && paths.every((path) => expected[path] === actual[path]);
  } catch {
    return false;
  }
}

/** One entry of a tree as its manifest recorded it. */
export type RecordedEntry =
  | { path: string; kind: 'dir' }
  | { path: string; kind: 'link'; target: string }
  | { path: string; kind: 'file'; executable: boolean; size: number; sha256: string };

/**
 * What the manifest says the tree holds, without reading the tree: for a caller
 * that checks each file as it reads it anyway (packing a build context), so the
 * tree is read once. Undefined when there is no readable manifest.
 */
export async function recordedTree(manifestFile: string): Promise<RecordedEntry[] | undefined> {
  const recorded = await readManifest(manifestFile);
  if (!recorded) return undefined;
  const entries: RecordedEntry[] = [];
  for (const [path, description] of Object.entries(recorded as Record<string, unknown>)) {
    if (typeof description !== 'string') return undefined;
    const file = /^file (644|755) (\d+) ([0-9a-f]{64})$/.exec(description);
    if (description === 'dir') entries.push({ path, kind: 'dir' });
    else if (description.startsWith('link ')) entries.push({ path, kind: 'link', target: description.slice('link '.length) });
    else if (file) entries.push({ path, kind: 'file', executable: file[1] === '755', size: Number(file[2]), sha256: file[3] });
    else return undefined;
  }
  return entries;
}

async function readManifest(manifestFile: string): Promise<Manifest | undefined> {
  try {
    const recorded: unknown = JSON.parse(await readFile(manifestFile, 'utf8'));
    return recorded && typeof recorded === 'object' && !Array.isArray(recorded) ? (recorded as Manifest) : undefined;
  } catch {
    return undefined;
  }
}

/** Moves a damaged tree and its manifest out of the way, so the next caller unpacks it again. */
export async function discardTree(treeDir: string): Promise<void> {
  const trash = `${treeDir}.discarded-${randomUUID()}`;
  await rename(treeDir, trash).catch(() => undefined);
  await rm(manifestPathOf(treeDir), { force: true });
  await rm(trash, { recursive: true, force: true });
}

async function describeTree(root: string): Promise<Manifest> {
  const manifest: Manifest = {};
  const sizes = new Map<string, number>();
  const walk = async (relative: string) => {
    for (const entry of await readdir(join(root, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      const full = join(root, path);
      if (entry.isDirectory()) {
        manifest[path] = 'dir';
        await walk(path);
      } else if (entry.isSymbolicLink()) {
        manifest[path] = `link ${await readlink(full)}`;
      } else {
        manifest[path] = '';
        sizes.set(path, (await lstat(full)).size);
      }
    }
  };
  await walk('');
  // The files are hashed by the key's hashing pool, in parallel, like a stage's own files.
  for (const { path, mode, sha256 } of await hashFiles(root, [...sizes.keys()])) manifest[path] = `file ${mode} ${sizes.get(path)} ${sha256}`;
  return manifest;
}

