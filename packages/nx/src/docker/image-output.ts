/**
 * Reading what an image holds for the output hash, as streams from the Engine: the image
 * export (its layers, each identified by the sha256 of its tar, which is its diffID) and the
 * archive of a path in a container that is created, never started. No layer is held in memory:
 * each file's content goes through a sha256 and is dropped.
 */
import Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { absolutePath, stackLayers, whiteoutOf, type EntryType, type HiddenPath, type OutputEntry, type OwnFilesystem } from '../equivalence/output-hash';
import { isNotFound } from './images';

export interface ImageFacts {
  id: string;
  /** The diffIDs of its layers, lowest first. */
  diffIds: string[];
  config: Record<string, unknown> | undefined;
}

/** The image a reference names, or undefined when there is none. */
export async function inspectImageFacts(docker: Docker, ref: string): Promise<ImageFacts | undefined> {
  try {
    const info = await docker.getImage(ref).inspect();
    return { id: info.Id, diffIds: info.RootFS?.Layers ?? [], config: info.Config as unknown as Record<string, unknown> };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * The layers of the image above its first `baseLayers` ones, stacked. Every layer of the export
 * is read once (the Engine sends them all); only the own layers' entries are kept.
 */
export async function readOwnFilesystem(docker: Docker, image: ImageFacts, baseLayers: number): Promise<OwnFilesystem> {
  const own = new Set(image.diffIds.slice(baseLayers));
  const layers = new Map<string, Array<OutputEntry | HiddenPath>>();
  const outer = tar.extract();
  const exported = (await docker.getImage(image.id).get()) as unknown as Readable;
  const feeding = pipeline(exported, outer);
  feeding.catch(() => undefined);
  for await (const entry of outer) {
    if (!entry.header.name.endsWith('/layer.tar') || entry.header.type !== 'file') {
      entry.resume();
      continue;
    }
    const { diffId, items } = await readLayer(Readable.from(entry));
    if (own.has(diffId)) layers.set(diffId, items);
  }
  await feeding;
  const ordered = image.diffIds.slice(baseLayers).map((diffId) => {
    const items = layers.get(diffId);
    if (!items) throw new Error(`the export of image ${image.id} has no layer ${diffId}`);
    return items;
  });
  return stackLayers(ordered);
}

/** One layer tar: its diffID and its entries (whiteouts as hidden paths). */
async function readLayer(layer: Readable): Promise<{ diffId: string; items: Array<OutputEntry | HiddenPath> }> {
  const digest = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      digest.update(chunk);
      done(null, chunk);
    },
  });
  const items: Array<OutputEntry | HiddenPath> = [];
  const inner = tar.extract();
  const feeding = pipeline(layer, hashing, inner);
  feeding.catch(() => undefined);
  for await (const entry of inner) {
    const path = absolutePath(entry.header.name);
    const hidden = whiteoutOf(path);
    if (hidden) {
      entry.resume();
      items.push(hidden);
      continue;
    }
    const item = await entryOf(entry, path, (linkname) => absolutePath(linkname));
    if (item) items.push(item);
  }
  await feeding;
  return { diffId: `sha256:${digest.digest('hex')}`, items };
}

/**
 * The entries under each path of the image as it stands (base layers included), read through a
 * container's archive; undefined for a path the image does not have.
 */
export async function readPathEntries(docker: Docker, image: string, paths: string[]): Promise<Array<{ path: string; entries: OutputEntry[] | undefined }>> {
  const container = await docker.createContainer({ Image: image, Cmd: ['true'], NetworkDisabled: true, Labels: { 'dev.stagecraft.purpose': 'output-hash' } });
  try {
    const results = [];
    for (const path of paths) results.push({ path, entries: await archiveEntries(container, path) });
    return results;
  } finally {
    await container.remove({ force: true, v: true });
  }
}

async function archiveEntries(container: Docker.Container, path: string): Promise<OutputEntry[] | undefined> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = await container.getArchive({ path });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  // The archive names entries after the last component of the path: /usr/local -> local/...
  const parent = posix.dirname(path);
  const inImage = (name: string) => absolutePath(posix.join(parent, name));
  const entries: OutputEntry[] = [];
  const extract = tar.extract();
  const feeding = pipeline(archive as Readable, extract);
  feeding.catch(() => undefined);
  for await (const entry of extract) {
    const item = await entryOf(entry, inImage(entry.header.name), inImage);
    if (item) entries.push(item);
  }
  await feeding;
  return entries;
}

const TYPES: Record<string, EntryType> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'directory',
  symlink: 'symlink',
  link: 'hardlink',
  'character-device': 'character-device',
  'block-device': 'block-device',
  fifo: 'fifo',
};

/** An entry of tar-stream's extract: its header and its content. */
type TarEntry = AsyncIterable<unknown> & { header: tar.Header; resume(): unknown };

async function entryOf(entry: TarEntry, path: string, hardLinkTarget: (linkname: string) => string): Promise<OutputEntry | undefined> {
  const { header } = entry;
  const type = TYPES[header.type ?? 'file'];
  if (!type) {
    entry.resume();
    return undefined;
  }
  const item: OutputEntry = { path, type, mode: (header.mode ?? 0) & 0o7777, uid: header.uid ?? 0, gid: header.gid ?? 0 };
  if (type === 'file') {
    const content = createHash('sha256');
    for await (const chunk of entry) content.update(chunk as Buffer);
    item.size = header.size ?? 0;
    item.sha256 = content.digest('hex');
  } else {
    entry.resume();
  }
  if (type === 'symlink') item.link = header.linkname ?? '';
  if (type === 'hardlink') item.link = hardLinkTarget(header.linkname ?? '');
  if (type === 'character-device' || type === 'block-device') {
    item.devmajor = header.devmajor ?? 0;
    item.devminor = header.devminor ?? 0;
  }
  const xattrs = Object.entries((header.pax ?? {}) as Record<string, string>).filter(([name]) => name.startsWith('SCHILY.xattr.'));
  if (xattrs.length) item.xattrs = Object.fromEntries(xattrs.map(([name, value]) => [name.slice('SCHILY.xattr.'.length), String(value)]));
  return item;
}
