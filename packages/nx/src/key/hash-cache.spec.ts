import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as files from './files';
import { FileHashCache } from './hash-cache';

const sha = (content: string) => createHash('sha256').update(content).digest('hex');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('FileHashCache', () => {
  let root: string;
  let cacheFile: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'stagecraft-hash-cache-'));
    cacheFile = join(root, 'cache', 'file-hashes.json');
    writeFileSync(join(root, 'a.c'), 'int a;\n');
    writeFileSync(join(root, 'b.c'), 'int b;\n');
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(root, { recursive: true, force: true });
  });

  it('hashes nothing again for files unchanged since a trusted entry, across processes', async () => {
    await pause(10);
    const first = new FileHashCache(cacheFile, 0);
    expect(await first.hash(root, ['a.c', 'b.c'])).toEqual([
      { path: 'a.c', mode: '644', sha256: sha('int a;\n') },
      { path: 'b.c', mode: '644', sha256: sha('int b;\n') },
    ]);
    first.save();

    const hashing = jest.spyOn(files, 'hashFiles');
    const second = new FileHashCache(cacheFile, 0);
    expect((await second.hash(root, ['a.c', 'b.c'])).map((f) => f.sha256)).toEqual([sha('int a;\n'), sha('int b;\n')]);
    expect(hashing).not.toHaveBeenCalled();
  });

  it.each([
    ['truncated', '{"a.c":{"size":7,"mt'],
    ['null', 'null'],
    ['an array', '[1,2]'],
    ['garbage bytes', '\u0000\u0001\u00ff'],
    ['entries of the wrong shape', JSON.stringify({ 'a.c': { size: 'x' }, 'b.c': null, 'c.c': { sha256: 'not hex' } })],
  ])('a %s cache file is discarded: every file is hashed again and the hashes are right', async (_kind, content) => {
    mkdirSync(join(root, 'cache'), { recursive: true });
    writeFileSync(cacheFile, content);
    const cache = new FileHashCache(cacheFile, 0);
    expect((await cache.hash(root, ['a.c', 'b.c'])).map((f) => f.sha256)).toEqual([sha('int a;\n'), sha('int b;\n')]);
    cache.save();
    expect(Object.keys(JSON.parse(readFileSync(cacheFile, 'utf8'))).sort()).toEqual(['a.c', 'b.c']);
  });

  it('re-hashes a file that changed, and only that file', async () => {
    await pause(10);
    const cache = new FileHashCache(cacheFile, 0);
    await cache.hash(root, ['a.c', 'b.c']);
    await pause(10);
    writeFileSync(join(root, 'a.c'), 'int a = 2;\n');
    const hashing = jest.spyOn(files, 'hashFiles');
    const again = await cache.hash(root, ['a.c', 'b.c']);
    expect(again[0].sha256).toBe(sha('int a = 2;\n'));
    expect(hashing).toHaveBeenCalledWith(root, ['a.c']);
  });

  it('does not trust an entry recorded within the racy window of the file change', async () => {
    const cache = new FileHashCache(cacheFile);
    await cache.hash(root, ['a.c']);
    const hashing = jest.spyOn(files, 'hashFiles');
    await cache.hash(root, ['a.c']);
    expect(hashing).toHaveBeenCalledWith(root, ['a.c']);
  });
});
