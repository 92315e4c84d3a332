import { mkdtempSync, promises as fsPromises, readdirSync, readFileSync, readlinkSync, writeFileSync, rmSync } from 'fs';
import type { Readable } from 'stream';
import { tmpdir } from 'os';
import { join } from 'path';
import { createHash } from 'crypto';
import * as tar from 'tar-stream';
import { ContextEntry, packContext } from './context';

interface Unpacked {
  name: string;
  type: string | null | undefined;
  mode: number | undefined;
  mtime: number | undefined;
  uid: number | undefined;
  gid: number | undefined;
  linkname?: string | null;
  body: string;
}

async function unpack(stream: NodeJS.ReadableStream): Promise<Unpacked[]> {
  const extract = tar.extract();
  stream.pipe(extract);
  const out: Unpacked[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const h = entry.header;
    out.push({ name: h.name, type: h.type, mode: h.mode, mtime: h.mtime?.getTime(), uid: h.uid, gid: h.gid, linkname: h.linkname, body: Buffer.concat(chunks).toString() });
  }
  return out;
}

async function bytes(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

describe('packContext', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'stagecraft-context-'));
    writeFileSync(join(dir, 'busybox'), 'pretend binary');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const entries = (): ContextEntry[] => [
    { path: 'src/z.c', mode: 0o644, source: { content: 'int z;' } },
    { path: 'Dockerfile', mode: 0o644, source: { content: 'FROM scratch\n' } },
    { path: 'bin/busybox', mode: 0o755, source: { file: join(dir, 'busybox') } },
    { path: 'bin/sh', mode: 0, source: { symlink: 'busybox' } },
    { path: 'src/a/deep.h', mode: 0o600, source: { content: Buffer.from('#pragma once') } },
  ];

  it('writes entries sorted by path with their parent directories, mtime 0 and owner 0', async () => {
    const unpacked = await unpack(packContext(entries()));
    expect(unpacked.map((e) => [e.name, e.type])).toEqual([
      ['Dockerfile', 'file'],
      ['bin/', 'directory'],
      ['bin/busybox', 'file'],
      ['bin/sh', 'symlink'],
      ['src/', 'directory'],
      ['src/a/', 'directory'],
      ['src/a/deep.h', 'file'],
      ['src/z.c', 'file'],
    ]);
    for (const entry of unpacked) {
      expect([entry.mtime, entry.uid, entry.gid]).toEqual([0, 0, 0]);
    }
    const byName = new Map(unpacked.map((e) => [e.name, e]));
    expect(byName.get('bin/busybox')).toMatchObject({ mode: 0o755, body: 'pretend binary' });
    expect(byName.get('bin/sh')).toMatchObject({ linkname: 'busybox', mode: 0o777 });
    expect(byName.get('src/a/deep.h')).toMatchObject({ mode: 0o600, body: '#pragma once' });
    expect(byName.get('src/')).toMatchObject({ mode: 0o755 });
  });

  it('gives the same bytes for the same entries in any order', async () => {
    const first = await bytes(packContext(entries()));
    const second = await bytes(packContext(entries().reverse()));
    expect(second.equals(first)).toBe(true);
  });

  it('errors the stream, naming the file, when a file cannot be read', async () => {
    const stream = packContext([{ path: 'x', mode: 0o644, source: { file: join(dir, 'missing') } }]);
    await expect(bytes(stream)).rejects.toThrow(`cannot read ${join(dir, 'missing')} (for x): ENOENT`);
  });

  it('packs a file whose content is the one the key was computed from', async () => {
    const sha256 = createHash('sha256').update('pretend binary').digest('hex');
    const stream = packContext([{ path: 'bin/busybox', mode: 0o755, source: { file: join(dir, 'busybox'), sha256 } }]);
    expect((await unpack(stream)).map((e) => e.name)).toEqual(['bin/', 'bin/busybox']);
  });

  it('errors the stream, naming the file, when a file changed since the key was computed', async () => {
    const planned = createHash('sha256').update('the content at plan time').digest('hex');
    const stream = packContext([{ path: 'bin/busybox', mode: 0o755, source: { file: join(dir, 'busybox'), sha256: planned } }]);
    await expect(bytes(stream)).rejects.toThrow(`build context: ${join(dir, 'busybox')} (bin/busybox) changed since the stage was planned`);
  });

  it.each([
    ['grew', -8],
    ['shrank', 8],
  ])('names the file, not the tar header, when it %s between its size being read and its bytes', async (_, sizeChange) => {
    const file = join(dir, 'busybox');
    const planned = createHash('sha256').update(readFileSync(file)).digest('hex');
    const realStat = fsPromises.stat;
    const stat = jest.spyOn(fsPromises, 'stat').mockImplementation(async (path) => {
      const stats = await realStat(path);
      return Object.assign(stats, { size: stats.size + sizeChange });
    });
    try {
      const stream = packContext([{ path: 'bin/busybox', mode: 0o755, source: { file, sha256: planned } }]);
      await expect(bytes(stream)).rejects.toThrow(`build context: ${file} (bin/busybox) changed since the stage was planned`);
    } finally {
      stat.mockRestore();
    }
  });

  it('closes the file it was reading when destroyed unread (a build refused before it started)', async () => {
    const big = join(dir, 'big');
    writeFileSync(big, Buffer.alloc(8 * 1024 * 1024));
    const openOnBig = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === big;
        } catch {
          return false;
        }
      }).length;
    const stream = packContext([{ path: 'big', mode: 0o644, source: { file: big } }]) as Readable;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(openOnBig()).toBe(1);
    stream.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(openOnBig()).toBe(0);
  });

  it('errors the stream when a symlink points elsewhere than when the key was computed', async () => {
    const planned = createHash('sha256').update('busybox').digest('hex');
    const stream = packContext([{ path: 'bin/sh', mode: 0, source: { symlink: 'other', sha256: planned } }]);
    await expect(bytes(stream)).rejects.toThrow('(bin/sh) changed since the stage was planned');
  });

  it.each([
    [[{ path: '/abs', mode: 0o644, source: { content: '' } }], '"/abs" must be a relative path'],
    [[{ path: 'a/../b', mode: 0o644, source: { content: '' } }], '"a/../b" must be a relative path'],
    [[{ path: 'a//b', mode: 0o644, source: { content: '' } }], '"a//b" must be a relative path'],
    [
      [
        { path: 'a', mode: 0o644, source: { content: '' } },
        { path: 'a', mode: 0o644, source: { content: '' } },
      ],
      '"a" is listed twice',
    ],
    [
      [
        { path: 'a', mode: 0o644, source: { content: '' } },
        { path: 'a/b', mode: 0o644, source: { content: '' } },
      ],
      '"a" is a file but "a/b" is inside it',
    ],
  ] as [ContextEntry[], string][])('rejects bad entry lists (%#)', (bad, message) => {
    expect(() => packContext(bad)).toThrow(message);
  });
});
