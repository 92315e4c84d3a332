/**
 * Registry credentials the way the Docker CLI reads them: $DOCKER_CONFIG/config.json
 * (default ~/.docker/config.json), `credHelpers` per registry, then `credsStore`, then
 * `auths` entries; helpers through the docker-credential-<name> protocol. Nothing
 * read here is ever logged: errors name the file, the field or the helper, never a value.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (`docker login` with a token service), sent instead of a password. */
  identityToken?: string;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

export function dockerConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env['DOCKER_CONFIG'] || join(homedir(), '.docker'), 'config.json');
}

/** The credentials for a registry host ("127.0.0.1:5000", "ghcr.io"), or undefined when none are configured. */
export async function registryCredentials(host: string, env: NodeJS.ProcessEnv = process.env): Promise<RegistryCredentials | undefined> {
  const file = dockerConfigFile(env);
  if (!existsSync(file)) return undefined;
  const config = readConfig(file);
  const serverKey = DOCKER_HUB_HOSTS.has(host) ? DOCKER_HUB_KEY : host;
  const helper = config.credHelpers?.[host] ?? (DOCKER_HUB_HOSTS.has(host) ? config.credHelpers?.[DOCKER_HUB_KEY] : undefined);
  if (helper) return fromHelper(helper, serverKey, env, `${file} at /credHelpers/${host}`);
  if (config.credsStore) {
    const stored = await fromHelper(config.credsStore, serverKey, env, `${file} at /credsStore`);
    if (stored) return stored;
  }
  const [key, entry] = Object.entries(config.auths ?? {}).find(([name]) => hostOfAuthKey(name) === hostOfAuthKey(serverKey)) ?? [];
  if (!entry) return undefined;
  const where = `${file} at /auths/${key}`;
  if (entry.identitytoken) return { identityToken: entry.identitytoken };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new Error(`${where}/auth: not base64 of "user:password"`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username !== undefined) return { username: entry.username, password: entry.password ?? '' };
  return undefined;
}

/** X-Registry-Auth for the Engine's pull and push: what it sends the registry for `host`. */
export function engineAuthConfig(host: string, credentials: RegistryCredentials | undefined): Record<string, string> | undefined {
  if (!credentials) return undefined;
  if (credentials.identityToken) return { identitytoken: credentials.identityToken, serveraddress: host };
  return { username: credentials.username ?? '', password: credentials.password ?? '', serveraddress: host };
}

function readConfig(file: string): DockerConfigFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not readable JSON (${(error as Error).name})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file}: expected a JSON object`);
  return parsed as DockerConfigFile;
}

/** "https://host:5000/v1/" and "host:5000" name the same registry. */
function hostOfAuthKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
}

/** docker-credential-<name> get: the server on stdin, {ServerURL, Username, Secret} on stdout. */
function fromHelper(name: string, server: string, env: NodeJS.ProcessEnv, where: string): Promise<RegistryCredentials | undefined> {
  const program = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = execFile(program, ['get'], { env, timeout: 30_000, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        // The helper's way of saying it has nothing for this server.
        if (/credentials not found/i.test(`${stdout}${stderr}`)) return resolve(undefined);
        const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${program} is not on PATH` : `${program} get failed (exit ${error.code ?? error.signal})`;
        return reject(new Error(`${where}: ${why}`));
      }
      try {
        const answer = JSON.parse(stdout) as { Username?: string; Secret?: string };
        if (answer.Username === '<token>') return resolve({ identityToken: answer.Secret ?? '' });
        resolve({ username: answer.Username ?? '', password: answer.Secret ?? '' });
      } catch {
        reject(new Error(`${where}: ${program} get did not answer with JSON`));
      }
    });
    child.stdin?.end(server);
  });
}
