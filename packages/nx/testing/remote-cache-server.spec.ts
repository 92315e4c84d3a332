import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { startRemoteCacheServer, type RemoteCacheServer } from './remote-cache-server';

const TOKEN = 'full-access-token';
const READ_ONLY = 'read-only-token';

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('remote cache server (Nx self-hosted cache API)', () => {
  let server: RemoteCacheServer;

  beforeEach(async () => {
    server = await startRemoteCacheServer({ accessToken: TOKEN, readOnlyToken: READ_ONLY });
  });
  afterEach(async () => {
    await server.close();
  });

  const cacheUrl = (hash: string) => `${server.url}/v1/cache/${hash}`;

  it('listens on 127.0.0.1 at a random port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers 404 for a hash it does not hold', async () => {
    const response = await fetch(cacheUrl('123'), { headers: bearer(TOKEN) });
    expect(response.status).toBe(404);
    expect(server.count('GET', { hash: '123', status: 404 })).toBe(1);
  });

  it('stores a PUT body and serves it back byte for byte as application/octet-stream', async () => {
    const body = Buffer.from([0, 1, 2, 250, 251, 252, 10, 13]);
    const put = await fetch(cacheUrl('456'), {
      method: 'PUT',
      headers: { ...bearer(TOKEN), 'Content-Type': 'application/octet-stream' },
      body,
    });
    expect(put.status).toBe(200);

    const get = await fetch(cacheUrl('456'), { headers: { ...bearer(TOKEN), Accept: 'application/octet-stream' } });
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await get.arrayBuffer())).toEqual(body);
    expect(server.storedHashes()).toEqual(['456']);
    expect(server.count('PUT', { hash: '456' })).toBe(1);
    expect(server.count('GET', { hash: '456', status: 200 })).toBe(1);
  });

  it('never overwrites a record: a second PUT answers 409 and the first body stays', async () => {
    await fetch(cacheUrl('789'), { method: 'PUT', headers: bearer(TOKEN), body: 'first' });
    const second = await fetch(cacheUrl('789'), { method: 'PUT', headers: bearer(TOKEN), body: 'second' });
    expect(second.status).toBe(409);
    expect(await second.text()).toBe('Cannot override an existing record');
    const get = await fetch(cacheUrl('789'), { headers: bearer(TOKEN) });
    expect(await get.text()).toBe('first');
  });

  it('answers 401 as text/plain (exactly, as Nx requires) without a token or with a wrong one', async () => {
    for (const headers of [{}, bearer('wrong'), { Authorization: TOKEN }]) {
      const get = await fetch(cacheUrl('123'), { headers });
      expect(get.status).toBe(401);
      expect(get.headers.get('content-type')).toBe('text/plain');
      expect(await get.text()).not.toBe('');
      const put = await fetch(cacheUrl('123'), { method: 'PUT', headers, body: 'x' });
      expect(put.status).toBe(401);
    }
    expect(server.storedHashes()).toEqual([]);
  });

  it('lets a read-only token read but answers 403 to its PUT', async () => {
    await fetch(cacheUrl('111'), { method: 'PUT', headers: bearer(TOKEN), body: 'data' });
    const get = await fetch(cacheUrl('111'), { headers: bearer(READ_ONLY) });
    expect(get.status).toBe(200);
    const put = await fetch(cacheUrl('222'), { method: 'PUT', headers: bearer(READ_ONLY), body: 'data' });
    expect(put.status).toBe(403);
    expect(put.headers.get('content-type')).toBe('text/plain');
    expect(server.storedHashes()).toEqual(['111']);
  });

  it('requires Content-Length on PUT (411 for a chunked body)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const { port } = new URL(server.url);
      const req = request(
        { host: '127.0.0.1', port, path: '/v1/cache/333', method: 'PUT', headers: { ...bearer(TOKEN), 'Transfer-Encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('chunked data');
    });
    expect(status).toBe(411);
    expect(server.storedHashes()).toEqual([]);
  });

  it('answers 404 outside /v1/cache/{hash}, 405 to other methods, 400 to a hash that is not a plain name', async () => {
    expect((await fetch(`${server.url}/v1/other`, { headers: bearer(TOKEN) })).status).toBe(404);
    expect((await fetch(`${server.url}/v1/cache`, { headers: bearer(TOKEN) })).status).toBe(404);
    expect((await fetch(cacheUrl('123'), { method: 'DELETE', headers: bearer(TOKEN) })).status).toBe(405);
    expect((await fetch(cacheUrl('..%2Fescape'), { method: 'PUT', headers: bearer(TOKEN), body: 'x' })).status).toBe(400);
  });

  it('needs no token when none is configured, and removes its storage on close', async () => {
    const open = await startRemoteCacheServer();
    const put = await fetch(`${open.url}/v1/cache/444`, { method: 'PUT', body: 'data' });
    expect(put.status).toBe(200);
    await open.close();
    expect(existsSync(open.storageDir)).toBe(false);
  });
});
