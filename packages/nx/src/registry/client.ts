/**
 * A small client for the Registry HTTP API v2 (the OCI distribution spec) on Node's
 * fetch: manifests (HEAD with the right Accept header, GET, PUT, DELETE), blobs (HEAD,
 * GET, monolithic upload, cross-repository mount), the tags list with paging, and the
 * Basic and Bearer-token challenges. Pull and push of images go through the Engine;
 * this client answers what the Engine cannot (does the registry hold a tag, copy an
 * image between registries, delete a tag). `requests` counts round trips.
 */
import { Readable } from 'node:stream';
import { RegistryAuth, type Fetch } from './auth';
import { nextPageUrl } from './challenge';
import type { RegistryCredentials } from './credentials';
import { RegistryError, failureOfStatus, loginHint } from './errors';
import { MANIFEST_ACCEPT, type ManifestDocument } from './media-types';
import { registryRequest } from '../util/request-pools';

export interface RegistryClientOptions {
  /** host[:port] as in an image reference: "127.0.0.1:5000", "ghcr.io". */
  host: string;
  /** Called once, on the first challenge that needs them. */
  credentials?: () => Promise<RegistryCredentials | undefined>;
  /** Default: http for loopback hosts (as the Engine treats 127.0.0.0/8), https for every other. */
  scheme?: 'http' | 'https';
  /** Per request, except blob bodies (default 30 s). */
  timeoutMs?: number;
  fetch?: Fetch;
}

/** What a manifest HEAD or GET says about a manifest. */
export interface ManifestInfo {
  digest: string;
  mediaType: string;
  size: number;
}

type Action = 'pull' | 'push' | 'delete';

interface RequestSpec {
  method: string;
  path: string;
  /** Repository scopes the request needs: [[repository, actions]]. */
  scopes: Array<[string, Action[]]>;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  /** Statuses that are answers, not errors (404 for a missing manifest). */
  accept?: number[];
  /** No timeout: blob bodies take as long as they take. */
  streaming?: boolean;
}

export class RegistryClient {
  readonly host: string;
  readonly baseUrl: string;
  /** Round trips made so far (token requests included). */
  requests = 0;
  private readonly auth: RegistryAuth;
  private readonly fetchFn: Fetch;
  private readonly timeoutMs: number;

  constructor(options: RegistryClientOptions) {
    this.host = options.host;
    this.baseUrl = `${options.scheme ?? defaultScheme(options.host)}://${options.host}`;
    this.fetchFn = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.auth = new RegistryAuth(options.host, options.credentials ?? (async () => undefined), this.fetchFn, () => this.requests++);
  }

  /** The manifest a tag or digest names (an index for multi-platform images), or undefined when there is none. */
  async headManifest(repository: string, reference: string): Promise<ManifestInfo | undefined> {
    // Look-ups fan out (every stage of a batch, every base): the process-wide pool bounds them.
    const response = await registryRequest(() =>
      this.request({
        method: 'HEAD',
        path: `/v2/${repository}/manifests/${reference}`,
        scopes: [[repository, ['pull']]],
        headers: { accept: MANIFEST_ACCEPT },
        accept: [404],
      }),
    );
    if (response.status === 404) return undefined;
    return manifestInfo(response, reference);
  }

  async getManifest(repository: string, reference: string): Promise<{ info: ManifestInfo; body: Buffer; document: ManifestDocument } | undefined> {
    const response = await this.request({
      method: 'GET',
      path: `/v2/${repository}/manifests/${reference}`,
      scopes: [[repository, ['pull']]],
      headers: { accept: MANIFEST_ACCEPT },
      accept: [404],
    });
    if (response.status === 404) return undefined;
    const body = Buffer.from(await response.arrayBuffer());
    const document = JSON.parse(body.toString('utf8')) as ManifestDocument;
    const info = manifestInfo(response, reference, body);
    return { info: { ...info, mediaType: info.mediaType || document.mediaType || '' }, body, document };
  }

  /** Stores a manifest under a tag or its digest; returns its digest. */
  async putManifest(repository: string, reference: string, body: Buffer, mediaType: string): Promise<string> {
    const response = await this.request({
      method: 'PUT',
      path: `/v2/${repository}/manifests/${reference}`,
      scopes: [[repository, ['pull', 'push']]],
      headers: { 'content-type': mediaType },
      body,
    });
    return response.headers.get('docker-content-digest') ?? '';
  }

  /** Deletes a manifest by digest (registries refuse deletion by tag); false when it was already gone. */
  async deleteManifest(repository: string, digest: string): Promise<boolean> {
    const response = await this.request({
      method: 'DELETE',
      path: `/v2/${repository}/manifests/${digest}`,
      scopes: [[repository, ['delete']]],
      accept: [404],
    });
    return response.status !== 404;
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const response = await this.request({ method: 'HEAD', path: `/v2/${repository}/blobs/${digest}`, scopes: [[repository, ['pull']]], accept: [404] });
    return response.status !== 404;
  }

  /** The blob's content as a stream. */
  async getBlob(repository: string, digest: string): Promise<Readable> {
    const response = await this.request({ method: 'GET', path: `/v2/${repository}/blobs/${digest}`, scopes: [[repository, ['pull']]], streaming: true });
    return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
  }

  /**
   * Mounts a blob from another repository of this registry without sending it. False when the
   * registry would not (it then opened an upload, which is cancelled): copy the blob instead.
   */
  async mountBlob(repository: string, digest: string, fromRepository: string): Promise<boolean> {
    const query = new URLSearchParams({ mount: digest, from: fromRepository });
    const response = await this.request({
      method: 'POST',
      path: `/v2/${repository}/blobs/uploads/?${query}`,
      scopes: [[repository, ['pull', 'push']], [fromRepository, ['pull']]],
      accept: [202],
    });
    if (response.status === 201) return true;
    const location = response.headers.get('location');
    if (location) await this.request({ method: 'DELETE', path: location, scopes: [[repository, ['pull', 'push']]], accept: [404] }).catch(() => undefined);
    return false;
  }

  /** Uploads a blob in one PUT (POST opens the upload, PUT ?digest= closes it). */
  async putBlob(repository: string, digest: string, size: number, content: Buffer | Readable): Promise<void> {
    const scopes: Array<[string, Action[]]> = [[repository, ['pull', 'push']]];
    const opened = await this.request({ method: 'POST', path: `/v2/${repository}/blobs/uploads/`, scopes, accept: [202] });
    const location = opened.headers.get('location');
    if (!location) throw new RegistryError(`registry ${this.host} opened an upload without a Location`, this.host, 'http');
    const url = new URL(location, this.baseUrl);
    url.searchParams.set('digest', digest);
    await this.request({
      method: 'PUT',
      path: url.toString(),
      scopes,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: content,
      streaming: true,
    });
  }

  /** Every tag of a repository, following the Link header page by page ([] for an unknown repository). */
  async listTags(repository: string, pageSize = 1000): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `/v2/${repository}/tags/list?n=${pageSize}`;
    while (path) {
      const response = await this.request({ method: 'GET', path, scopes: [[repository, ['pull']]], accept: [404] });
      if (response.status === 404) return tags;
      const body = (await response.json()) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      path = nextPageUrl(response.headers.get('link'), new URL(path, this.baseUrl).toString());
    }
    return tags;
  }

  /** One request, answering an auth challenge once. Throws a RegistryError for anything but 2xx and `accept`. */
  private async request(spec: RequestSpec): Promise<Response> {
    const scope = spec.scopes.map(([repository, actions]) => `repository:${repository}:${actions.join(',')}`).join(' ');
    let authorization = this.auth.cached(scope);
    let response = await this.send(spec, authorization);
    if (response.status === 401 && !(spec.body instanceof Readable)) {
      authorization = await this.auth.answer(response.headers.get('www-authenticate'), scope);
      if (authorization) {
        await response.body?.cancel();
        response = await this.send(spec, authorization);
      }
    }
    if (response.ok || spec.accept?.includes(response.status)) return response;
    const detail = await errorDetail(response);
    const failure = failureOfStatus(response.status);
    const hint = failure === 'unauthorized' || failure === 'denied' ? `; ${loginHint(this.host)}` : '';
    throw new RegistryError(`registry ${this.host} answered ${spec.method} ${pathOnly(spec.path)} with HTTP ${response.status}${detail}${hint}`, this.host, failure, response.status);
  }

  private async send(spec: RequestSpec, authorization: string | undefined): Promise<Response> {
    const headers: Record<string, string> = { ...(spec.headers ?? {}) };
    if (authorization) headers['authorization'] = authorization;
    const url = new URL(spec.path, this.baseUrl);
    this.requests++;
    try {
      return await this.fetchFn(url, {
        method: spec.method,
        headers,
        body: spec.body as unknown as RequestInit['body'],
        redirect: 'follow',
        ...(spec.body instanceof Readable ? { duplex: 'half' } : {}),
        ...(spec.streaming ? {} : { signal: AbortSignal.timeout(this.timeoutMs) }),
      } as RequestInit);
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new RegistryError(`registry ${this.host} is unreachable at ${this.baseUrl} (${why})`, this.host, 'unreachable', undefined, { cause: error });
    }
  }
}

/** http for loopback registries (as the Engine allows by default), https for every other. */
export function defaultScheme(host: string): 'http' | 'https' {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name) ? 'http' : 'https';
}

function manifestInfo(response: Response, reference: string, body?: Buffer): ManifestInfo {
  const digest = response.headers.get('docker-content-digest') ?? (reference.startsWith('sha256:') ? reference : '');
  const mediaType = (response.headers.get('content-type') ?? '').split(';')[0].trim();
  const size = body?.length ?? Number(response.headers.get('content-length') ?? 0);
  return { digest, mediaType, size };
}

async function errorDetail(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { errors?: Array<{ code?: string; message?: string }> };
    const first = body.errors?.[0];
    return first ? ` (${[first.code, first.message].filter(Boolean).join(': ')})` : '';
  } catch {
    return '';
  }
}

function pathOnly(path: string): string {
  return path.replace(/^https?:\/\/[^/]+/, '').replace(/\?.*$/, '');
}
