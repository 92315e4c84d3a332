/** Connecting to the Docker Engine and saying what to do when it cannot be reached. */
import Docker from 'dockerode';
import { existsSync, promises as fs } from 'fs';
import { homedir } from 'os';
import { join } from 'path';

export class EngineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
  }
}

const PING_TIMEOUT_MS = 15_000;

const UNREACHABLE_CODES = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'ENOTSOCK',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const PERMISSION_CODES = new Set(['EACCES', 'EPERM']);

/**
 * A client for the Engine named by DOCKER_HOST (unix://, tcp://, or anything
 * else docker-modem understands), or the default unix socket.
 */
export function connectEngine(): Docker {
  const socketPath = unixSocketPath(process.env.DOCKER_HOST, homedir());
  return socketPath === undefined ? new Docker() : new Docker({ socketPath });
}

/** The unix socket DOCKER_HOST names, the default socket when it is unset, undefined for other transports. */
export function unixSocketPath(dockerHost: string | undefined, home: string): string | undefined {
  if (!dockerHost) {
    // Same choice as docker-modem: Docker Desktop's per-user socket if it exists.
    const userSocket = join(home, '.docker', 'run', 'docker.sock');
    return existsSync(userSocket) ? userSocket : '/var/run/docker.sock';
  }
  if (dockerHost.startsWith('unix://')) return dockerHost.slice('unix://'.length) || '/var/run/docker.sock';
  return undefined;
}

/** Where a client talks to, as a user would write it in DOCKER_HOST. */
export function engineLocation(docker: Docker): string {
  const modem = docker.modem as { socketPath?: unknown; host?: string; port?: string | number; protocol?: string };
  if (typeof modem.socketPath === 'string') return `unix://${modem.socketPath}`;
  if (modem.host) return `${modem.protocol === 'https' ? 'https' : 'tcp'}://${modem.host}${modem.port ? `:${modem.port}` : ''}`;
  return 'the default Docker socket';
}

export async function ensureEngineReachable(docker: Docker): Promise<void> {
  const ping = docker.ping.bind(docker) as unknown as (options: { abortSignal: AbortSignal }) => Promise<unknown>;
  try {
    await ping({ abortSignal: AbortSignal.timeout(PING_TIMEOUT_MS) });
  } catch (err) {
    const where = engineLocation(docker);
    throw new EngineError(describeEngineError(err, where, await whatIsAtSocket(where)), { cause: err });
  }
}

/** An error from a call to the Engine, as an EngineError when it means the Engine cannot be reached; otherwise undefined. */
export function engineErrorFor(err: unknown, where: string): EngineError | undefined {
  const code = errorCode(err);
  if (code && (UNREACHABLE_CODES.has(code) || PERMISSION_CODES.has(code))) {
    return new EngineError(describeEngineError(err, where), { cause: err });
  }
  return undefined;
}

/**
 * The message for a failed attempt to talk to the Engine at `where`: what
 * happened and what to do. `foundAtSocket` says what sits at a unix socket path
 * that is not a socket (Node reports a plain ECONNREFUSED for that).
 */
export function describeEngineError(err: unknown, where: string, foundAtSocket?: 'a regular file' | 'a directory'): string {
  const code = errorCode(err);
  if (code && PERMISSION_CODES.has(code)) {
    const socket = socketOf(err, where);
    return (
      `permission denied on ${socket}: add your user to the docker group ` +
      `(sudo usermod -aG docker $USER, then log in again) or run with access to the socket`
    );
  }
  if ((code && UNREACHABLE_CODES.has(code)) || isTimeout(err)) {
    return (
      `the Docker Engine is not reachable at ${where} (${foundAtSocket ? `${foundAtSocket} is there, not a socket` : reason(err, code)}): ` +
      'start it (tools/docker-engine.sh start, or `sudo dockerd`) or set DOCKER_HOST to where it listens'
    );
  }
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number') {
    return `the Docker Engine at ${where} answered with HTTP ${status}: ${messageOf(err)}`;
  }
  return `could not talk to the Docker Engine at ${where}: ${messageOf(err)}`;
}

function reason(err: unknown, code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return 'no such socket';
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTSOCK':
      return 'not a socket';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unknown host';
    default:
      return isTimeout(err) ? `no answer within ${PING_TIMEOUT_MS / 1000} s` : (code ?? messageOf(err));
  }
}

async function whatIsAtSocket(where: string): Promise<'a regular file' | 'a directory' | undefined> {
  if (!where.startsWith('unix://')) return undefined;
  try {
    const stat = await fs.stat(where.slice('unix://'.length));
    if (stat.isDirectory()) return 'a directory';
    if (stat.isFile()) return 'a regular file';
  } catch {
    // Nothing there or not ours to read: the connect error already says so.
  }
  return undefined;
}

function socketOf(err: unknown, where: string): string {
  const address = (err as { address?: unknown } | null)?.address;
  if (typeof address === 'string' && address) return address;
  return where.startsWith('unix://') ? where.slice('unix://'.length) : where;
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
