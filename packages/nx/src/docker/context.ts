/** Streaming a build context to the Engine as a reproducible tar. */
import { createReadStream, promises as fs } from 'fs';
import { createHash } from 'crypto';
import { Readable, Transform } from 'stream';
import { pipeline } from 'stream/promises';
import * as tar from 'tar-stream';

/**
 * Where an entry's bytes come from. A file or symlink may carry the sha256 the
 * stage's key was computed from: packing checks it, so a file that changed
 * since the plan fails the context instead of building content the key never saw.
 */
export type ContextSource =
  | { file: string; sha256?: string }
  | { content: string | Buffer }
  | { symlink: string; sha256?: string }
  | { directory: true };

export interface ContextEntry {
  /** Relative posix path inside the context (and the tar). */
  path: string;
  /** Permission bits, e.g. 0o644. Ignored for symlinks. */
  mode: number;
  source: ContextSource;
}

const DIRECTORY_MODE = 0o755;
const SYMLINK_MODE = 0o777;
const EPOCH = new Date(0);

/**
 * A tar of the entries, sorted by path, with every parent directory, mtime 0
 * and owner 0:0, so the same entries always give the same bytes. Files are
 * streamed from disk one at a time. An unreadable file makes the stream error.
 */
export function packContext(entries: ContextEntry[]): NodeJS.ReadableStream {
  const ordered = withParentDirectories(entries);
  const pack = tar.pack();
  const written = writeEntries(pack, ordered);
  written.then(
    () => pack.finalize(),
    (err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  // tar-stream packs are streamx streams; hand out a Node stream.
  // The pack's iterator is taken at once: it is what listens for the pack's errors, read or not.
  const chunks = pack[Symbol.asyncIterator]();
  const stream = Readable.from(packedBytes(chunks, written), { objectMode: false });
  // Destroyed unread (a build refused before it started): the pack stops, closing the file it was reading.
  stream.once('close', () => void chunks.return?.());
  return stream;
}

/**
 * The pack's bytes. When the pack fails on its own (a file whose size changed
 * after it was read fails tar-stream with "Size mismatch"), the error is the
 * one writing the entries ended with, which names the file.
 */
async function* packedBytes(pack: AsyncIterator<unknown>, written: Promise<void>): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of { [Symbol.asyncIterator]: () => pack }) yield chunk as Buffer;
  } catch (packError) {
    const settled = new Promise<void>((resolve) => setTimeout(resolve, 1000).unref());
    const entriesError = await Promise.race([written.then(() => undefined, (err: unknown) => err), settled]);
    throw entriesError ?? packError;
  }
}

type TarItem = { kind: 'directory'; path: string } | { kind: 'entry'; entry: ContextEntry };

function withParentDirectories(entries: ContextEntry[]): TarItem[] {
  const byPath = new Map<string, TarItem>();
  for (const entry of entries) {
    assertContextPath(entry.path);
    if (byPath.has(entry.path)) throw new Error(`build context: "${entry.path}" is listed twice`);
    byPath.set(entry.path, { kind: 'entry', entry });
  }
  for (const path of [...byPath.keys()]) {
    const segments = path.split('/');
    for (let depth = 1; depth < segments.length; depth++) {
      const dir = segments.slice(0, depth).join('/');
      const existing = byPath.get(dir);
      if (existing?.kind === 'entry') throw new Error(`build context: "${dir}" is a file but "${path}" is inside it`);
      byPath.set(dir, { kind: 'directory', path: dir });
    }
  }
  return [...byPath.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, item]) => item);
}

function assertContextPath(path: string): void {
  const segments = path.split('/');
  if (!path || path.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`build context: "${path}" must be a relative path without empty, "." or ".." segments`);
  }
}

async function writeEntries(pack: tar.Pack, items: TarItem[]): Promise<void> {
  for (const item of items) {
    if (item.kind === 'directory') {
      await addEntry(pack, { ...header(item.path + '/', DIRECTORY_MODE), type: 'directory' });
      continue;
    }
    const { path, mode, source } = item.entry;
    if ('directory' in source) {
      await addEntry(pack, { ...header(path + '/', DIRECTORY_MODE), type: 'directory' });
    } else if ('symlink' in source) {
      if (source.sha256 !== undefined && sha256Of(source.symlink) !== source.sha256) throw changedSincePlan(path, 'the symlink');
      await addEntry(pack, { ...header(path, SYMLINK_MODE), type: 'symlink', linkname: source.symlink });
    } else if ('content' in source) {
      await addEntry(pack, { ...header(path, mode), type: 'file' }, Buffer.from(source.content));
    } else {
      await addFile(pack, path, mode, source.file, source.sha256);
    }
  }
}

type TarHeader = Partial<tar.Header> & Pick<tar.Header, 'name'>;

function header(name: string, mode: number): TarHeader {
  return { name, mode, mtime: EPOCH, uid: 0, gid: 0, uname: '', gname: '' };
}

function addEntry(pack: tar.Pack, headers: TarHeader, content?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(headers, content ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
  });
}

async function addFile(pack: tar.Pack, path: string, mode: number, file: string, expectedSha256?: string): Promise<void> {
  const stat = await fs.stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`build context: cannot read ${file} (for ${path}): ${err.code ?? err.message}`, { cause: err });
  });
  if (!stat.isFile()) throw new Error(`build context: ${file} (for ${path}) is not a regular file`);
  const sink = pack.entry({ ...header(path, mode), type: 'file', size: stat.size });
  if (expectedSha256 === undefined) {
    await pipeline(createReadStream(file), sink);
    return;
  }
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  // A file that grew or shrank since its size was read no longer fits its tar header.
  await pipeline(createReadStream(file), hashing, sink).catch((err: Error) => {
    throw changedSincePlan(path, file, err);
  });
  if (hash.digest('hex') !== expectedSha256) throw changedSincePlan(path, file);
}

function sha256Of(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function changedSincePlan(path: string, file: string, cause?: Error): Error {
  return new Error(
    `build context: ${file} (${path}) changed since the stage was planned, so the image would not match its key; ` +
      'nothing was tagged: run again once the files stop changing',
    cause ? { cause } : undefined,
  );
}
