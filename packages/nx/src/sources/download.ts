import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

export const MAX_REDIRECTS = 5;
/** How long a connection may stay silent before the download is abandoned. */
export const IDLE_TIMEOUT_MS = 60_000;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const HTTP_SCHEMES = new Set(['http:', 'https:']);

/** Told the bytes received so far, and the total when the server said it. */
export type DownloadProgress = (received: number, total: number | undefined) => void;

/**
 * Streams the resource at `url` (http:, https: or an absolute file: url) into
 * `file` and returns the sha256 (hex) of what was written.
 */
export async function downloadTo(url: string, file: string, onProgress?: DownloadProgress): Promise<string> {
  const body = await openResource(url);
  const hash = createHash('sha256');
  const length = Number((body as Partial<IncomingMessage>).headers?.['content-length']);
  const total = Number.isFinite(length) && length > 0 ? length : undefined;
  let received = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      received += chunk.length;
      onProgress?.(received, total);
      done(null, chunk);
    },
  });
  await pipeline(body, hashing, createWriteStream(file, { flags: 'wx' }));
  return hash.digest('hex');
}

function openResource(url: string): Promise<Readable> {
  const parsed = parseUrl(url);
  if (parsed.protocol === 'file:') return openFile(url, parsed);
  if (HTTP_SCHEMES.has(parsed.protocol)) return openHttp(parsed, MAX_REDIRECTS);
  throw new Error(`unsupported url scheme '${parsed.protocol}' in ${url}: use http:, https: or file:`);
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new Error(`'${url}' is not a url`);
  }
}

async function openFile(url: string, parsed: URL): Promise<Readable> {
  if (!url.startsWith('file:/')) {
    throw new Error(`relative file: url ${url} must be resolved against the workspace root first`);
  }
  const stream = createReadStream(fileURLToPath(parsed));
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  return stream;
}

function openHttp(url: URL, redirectsLeft: number): Promise<IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(url, { timeout: IDLE_TIMEOUT_MS, headers: { 'user-agent': 'stagecraft' } }, (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (REDIRECT_STATUSES.has(status) && location) {
        response.resume();
        if (redirectsLeft === 0) return reject(new Error(`more than ${MAX_REDIRECTS} redirects`));
        const next = new URL(location, url);
        if (!HTTP_SCHEMES.has(next.protocol)) return reject(new Error(`redirected to unsupported url ${next.href}`));
        return resolve(openHttp(next, redirectsLeft - 1));
      }
      if (status < 200 || status >= 300) {
        response.resume();
        const where = redirectsLeft < MAX_REDIRECTS ? ` from ${url.href}` : '';
        return reject(new Error(`HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}${where}`));
      }
      resolve(response);
    });
    request.on('timeout', () => request.destroy(new Error(`no data for ${IDLE_TIMEOUT_MS / 1000}s`)));
    request.on('error', reject);
  });
}
