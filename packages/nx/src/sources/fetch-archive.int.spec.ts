import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MAX_REDIRECTS } from './download';
import { archivePath, fetchArchive } from './fetch-archive';

const sha256Of = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('fetchArchive (real HTTP server on 127.0.0.1, real files)', () => {
  let temp: string;
  let archive: Buffer;
  let hash: string;
  let server: Server;
  let base: string;
  const requests: string[] = [];

  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), 'stagecraft-fetch-'));
    mkdirSync(join(temp, 'tree', 'zlib-1.3.1'), { recursive: true });
    writeFileSync(join(temp, 'tree', 'zlib-1.3.1', 'configure'), '#!/bin/sh\necho configured\n');
    execFileSync('tar', ['-czf', join(temp, 'zlib.tar.gz'), '-C', join(temp, 'tree'), 'zlib-1.3.1']);
    archive = readFileSync(join(temp, 'zlib.tar.gz'));
    hash = sha256Of(archive);

    server = createServer((request, response) => {
      requests.push(request.url ?? '');
      const path = request.url ?? '';
      if (path === '/zlib.tar.gz') {
        // Sent in two pieces with a pause, so concurrent downloads overlap.
        response.writeHead(200, { 'content-type': 'application/gzip' });
        response.write(archive.subarray(0, 10));
        setTimeout(() => response.end(archive.subarray(10)), 50);
      } else if (path === '/moved') {
        response.writeHead(302, { location: '/zlib.tar.gz' }).end();
      } else if (path.startsWith('/hop/')) {
        const left = Number(path.slice('/hop/'.length));
        response.writeHead(301, { location: left > 0 ? `/hop/${left - 1}` : '/zlib.tar.gz' }).end();
      } else {
        response.writeHead(404).end('not here');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(temp, { recursive: true, force: true });
  });

  let store: string;
  beforeEach(() => {
    requests.length = 0;
    store = mkdtempSync(join(temp, 'store-'));
  });

  const storedNames = () => readdirSync(join(store, 'sha256'));

  it('downloads into <store>/sha256/<hex>, and a second fetch makes no request at all', async () => {
    const path = await fetchArchive(`${base}/zlib.tar.gz`, hash, store);
    expect(path).toBe(join(store, 'sha256', hash));
    expect(path).toBe(archivePath(store, hash));
    expect(readFileSync(path).equals(archive)).toBe(true);
    expect(requests).toEqual(['/zlib.tar.gz']);

    requests.length = 0;
    await expect(fetchArchive(`${base}/zlib.tar.gz`, hash, store)).resolves.toBe(path);
    await expect(fetchArchive(`${base}/elsewhere.tar.gz`, hash.toUpperCase(), store)).resolves.toBe(path);
    expect(requests).toEqual([]);
  });

  it('rejects a checksum mismatch naming the url, both hashes and the stage file, and leaves nothing in the store', async () => {
    const wrong = 'a'.repeat(64);
    const what = 'packages/zlib/stage.json at /source/sha256';
    const failure = fetchArchive(`${base}/zlib.tar.gz`, wrong, store, what);
    await expect(failure).rejects.toThrow(
      `${what}: sha256 mismatch for ${base}/zlib.tar.gz: expected ${wrong}, got ${hash}; the download was discarded and nothing was built`,
    );
    expect(storedNames()).toEqual([]);
  });

  it(`follows redirects, up to ${MAX_REDIRECTS}`, async () => {
    await expect(fetchArchive(`${base}/moved`, hash, store)).resolves.toBe(join(store, 'sha256', hash));
    expect(requests).toEqual(['/moved', '/zlib.tar.gz']);

    rmSync(join(store, 'sha256', hash));
    requests.length = 0;
    await fetchArchive(`${base}/hop/${MAX_REDIRECTS - 1}`, hash, store);
    expect(requests).toHaveLength(MAX_REDIRECTS + 1);

    rmSync(join(store, 'sha256', hash));
    await expect(fetchArchive(`${base}/hop/${MAX_REDIRECTS}`, hash, store)).rejects.toThrow(
      `could not fetch ${base}/hop/${MAX_REDIRECTS}: more than ${MAX_REDIRECTS} redirects; nothing was built`,
    );
    expect(storedNames()).toEqual([]);
  });

  it('reports an HTTP error with the url and the status', async () => {
    await expect(fetchArchive(`${base}/gone.tar.gz`, hash, store, 'packages/gone/stage.json at /source')).rejects.toThrow(
      `packages/gone/stage.json at /source: could not fetch ${base}/gone.tar.gz: HTTP 404 Not Found; nothing was built`,
    );
    expect(storedNames()).toEqual([]);
  });

  it('copies file: urls, verifying them the same way', async () => {
    const url = pathToFileURL(join(temp, 'zlib.tar.gz')).href;
    const path = await fetchArchive(url, hash, store);
    expect(readFileSync(path).equals(archive)).toBe(true);
    await expect(fetchArchive(pathToFileURL(join(temp, 'missing.tar.gz')).href, 'b'.repeat(64), store)).rejects.toThrow(
      /could not fetch file:\/\/.*missing\.tar\.gz: ENOENT/,
    );
    await expect(fetchArchive('file:zlib.tar.gz', 'b'.repeat(64), store)).rejects.toThrow(
      'relative file: url file:zlib.tar.gz must be resolved against the workspace root first',
    );
    expect(requests).toEqual([]);
  });

  it('refuses other schemes and malformed hashes, naming the url or the hash', async () => {
    await expect(fetchArchive('ftp://127.0.0.1/zlib.tar.gz', hash, store)).rejects.toThrow(
      "could not fetch ftp://127.0.0.1/zlib.tar.gz: unsupported url scheme 'ftp:' in ftp://127.0.0.1/zlib.tar.gz",
    );
    await expect(fetchArchive(`${base}/zlib.tar.gz`, 'abc', store, 'a/stage.json at /source/sha256')).rejects.toThrow(
      "a/stage.json at /source/sha256: 'abc' is not a sha256 (64 hex digits)",
    );
    expect(requests).toEqual([]);
  });

  it('lets concurrent fetches of the same archive all succeed, leaving one file', async () => {
    const paths = await Promise.all(Array.from({ length: 6 }, () => fetchArchive(`${base}/zlib.tar.gz`, hash, store)));
    expect(new Set(paths)).toEqual(new Set([join(store, 'sha256', hash)]));
    expect(requests.length).toBeGreaterThan(1);
    expect(storedNames()).toEqual([hash]);
    expect(sha256Of(readFileSync(paths[0]))).toBe(hash);
  });
});
