import { timingSafeEqual } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * A real HTTP server for Nx's self-hosted remote cache API ("Nx custom remote
 * cache specification" 1.0.0), on 127.0.0.1 at a random port:
 *
 *   GET /v1/cache/{hash}  200 application/octet-stream | 404 | 401 | 403
 *   PUT /v1/cache/{hash}  200 | 409 (never overwrites) | 401 | 403 (read-only token)
 *
 * Content-Length is required on PUT. Errors are text/plain: Nx 24's client
 * reports a 401 without exactly that content type as a misconfigured endpoint.
 * It answers from the caller's event loop, so run nx against it with
 * runNxAsync: a spawnSync would block the server and hang both.
 */
export interface RemoteCacheServerOptions {
  /** When set, every request needs `Authorization: Bearer <accessToken>` (or the read-only token). */
  accessToken?: string;
  /** A token that may GET but not PUT (403). */
  readOnlyToken?: string;
}

export interface CacheRequest {
  method: string;
  hash: string;
  status: number;
}

export interface RemoteCacheServer {
  url: string;
  /** Where the blobs live, one file per hash. */
  storageDir: string;
  /** Every request to /v1/cache/{hash}, in arrival order. */
  requests: CacheRequest[];
  /** The requests of one method (and hash, if given), optionally only those answered with `status`. */
  count(method: 'GET' | 'PUT', filter?: { hash?: string; status?: number }): number;
  storedHashes(): string[];
  close(): Promise<void>;
}

const CACHE_PATH = /^\/v1\/cache\/([^/?#]+)$/;
const SAFE_HASH = /^[A-Za-z0-9_-]+$/;

export async function startRemoteCacheServer(options: RemoteCacheServerOptions = {}): Promise<RemoteCacheServer> {
  const storageDir = mkdtempSync(join(tmpdir(), 'stagecraft-remote-cache-'));
  const requests: CacheRequest[] = [];
  const uploading = new Set<string>();

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const match = CACHE_PATH.exec(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    if (!match) return respond(response, 404, 'Not Found');
    const hash = decodeURIComponent(match[1]);
    const record = (status: number) => requests.push({ method: request.method ?? '', hash, status });
    const access = authorize(request, options);
    if (access === 'none') {
      record(401);
      return respond(response, 401, 'Missing or invalid authentication token.');
    }
    if (!SAFE_HASH.test(hash)) {
      record(400);
      return respond(response, 400, `Invalid hash: ${hash}`);
    }
    const blob = join(storageDir, hash);
    if (request.method === 'GET') {
      if (!existsSync(blob)) {
        record(404);
        return respond(response, 404, 'The record was not found');
      }
      record(200);
      response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': statSync(blob).size });
      await pipeline(createReadStream(blob), response);
      return;
    }
    if (request.method === 'PUT') {
      if (access === 'read') {
        record(403);
        return respond(response, 403, 'Access forbidden: this token may only read.');
      }
      const declared = request.headers['content-length'];
      if (declared === undefined || !/^\d+$/.test(declared)) {
        record(411);
        return respond(response, 411, 'Content-Length header is required');
      }
      if (existsSync(blob) || uploading.has(hash)) {
        record(409);
        return respond(response, 409, 'Cannot override an existing record');
      }
      uploading.add(hash);
      const partial = `${blob}.partial`;
      try {
        await pipeline(request, createWriteStream(partial));
        if (statSync(partial).size !== Number(declared)) {
          rmSync(partial, { force: true });
          record(400);
          return respond(response, 400, 'The body does not match Content-Length');
        }
        renameSync(partial, blob);
      } finally {
        rmSync(partial, { force: true });
        uploading.delete(hash);
      }
      record(200);
      return respond(response, 200, 'Successfully uploaded the output');
    }
    record(405);
    response.setHeader('Allow', 'GET, PUT');
    return respond(response, 405, 'Method Not Allowed');
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      if (!response.headersSent) respond(response, 500, error.message);
      else response.destroy(error);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    storageDir,
    requests,
    count: (method, filter = {}) =>
      requests.filter(
        (r) =>
          r.method === method &&
          (filter.hash === undefined || r.hash === filter.hash) &&
          (filter.status === undefined || r.status === filter.status),
      ).length,
    storedHashes: () => readdirSync(storageDir).filter((name) => SAFE_HASH.test(name)).sort(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(storageDir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

function authorize(request: IncomingMessage, options: RemoteCacheServerOptions): 'full' | 'read' | 'none' {
  if (options.accessToken === undefined && options.readOnlyToken === undefined) return 'full';
  const header = request.headers.authorization ?? '';
  const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
  if (token === undefined) return 'none';
  if (sameToken(token, options.accessToken)) return 'full';
  if (sameToken(token, options.readOnlyToken)) return 'read';
  return 'none';
}

function sameToken(given: string, expected: string | undefined): boolean {
  if (expected === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function respond(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(message) });
  response.end(message);
}
