import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TOOLS = join(__dirname, '..', '..', '..', 'tools');

/** A real registry (Debian's docker-registry via tools/registry.sh) on 127.0.0.1:port. */
export interface TestRegistry {
  /** "127.0.0.1:<port>" */
  host: string;
  url: string;
  /** Its storage: delete under it to make a pull fail. */
  storage: string;
  /** Stops it and starts it again on the same port and storage, with deletion enabled or not. */
  restart(options: { deletion?: boolean }): void;
  /** Stops it and keeps its storage, so that restart serves what it held (a registry that is unreachable for a while). */
  suspend(): void;
  stop(): void;
}

function runTool(args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync('bash', args, { encoding: 'utf8', env });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed (${result.status}):\n${result.stderr}${result.stdout}`);
}

/**
 * Starts a registry; with a user, every request needs Basic auth as that user (htpasswd -Bbn); with
 * a token service (testing/token-server), every request needs a Bearer token from it. With
 * `deletion: false` its storage refuses manifest deletion (405 UNSUPPORTED), as many production registries do.
 */
export function startTestRegistry(
  port: number,
  user?: { name: string; password: string },
  token?: { certificate: string; realm: string },
  options: { deletion?: boolean } = {},
): TestRegistry {
  const dir = mkdtempSync(join(tmpdir(), `sc-registry-${port}-`));
  const storage = join(dir, 'storage');
  const args = [join(TOOLS, 'registry.sh'), 'start', String(port), storage];
  if (user) {
    const htpasswd = spawnSync('htpasswd', ['-Bbn', user.name, user.password], { encoding: 'utf8' });
    if (htpasswd.status !== 0) throw new Error(`htpasswd failed: ${htpasswd.stderr}`);
    writeFileSync(join(dir, 'htpasswd'), htpasswd.stdout);
    args.push(join(dir, 'htpasswd'));
  } else if (token) {
    args.push(`token:${token.certificate}:${token.realm}`);
  }
  const start = (deletion: boolean | undefined) => {
    // A registry an earlier, killed run left on this port is not ours to reuse.
    runTool([join(TOOLS, 'registry.sh'), 'stop', String(port)]);
    runTool(args, { ...process.env, STAGECRAFT_REGISTRY_DELETE: deletion === false ? '0' : '1' });
  };
  start(options.deletion);
  const host = `127.0.0.1:${port}`;
  return {
    host,
    url: `http://${host}`,
    storage,
    restart: (again) => start(again.deletion),
    suspend: () => runTool([join(TOOLS, 'registry.sh'), 'stop', String(port)]),
    stop: () => {
      runTool([join(TOOLS, 'registry.sh'), 'stop', String(port)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A Docker config directory (pass as DOCKER_CONFIG) with `auths` entries and, optionally, a credential
 * helper: docker-credential-<name> written as a script in dir/bin that answers for the given servers.
 * Put dir/bin on PATH for the helper to be found.
 */
export function writeDockerConfig(
  auths: Record<string, { name: string; password: string }>,
  helper?: { name: string; servers: Record<string, { name: string; password: string }>; as: 'credHelpers' | 'credsStore' },
): { dir: string; bin: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'sc-docker-config-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const config: Record<string, unknown> = {
    auths: Object.fromEntries(Object.entries(auths).map(([host, u]) => [host, { auth: Buffer.from(`${u.name}:${u.password}`).toString('base64') }])),
  };
  if (helper) {
    const cases = Object.entries(helper.servers)
      .map(([server, u]) => `  ${JSON.stringify(server)}) echo '${JSON.stringify({ ServerURL: server, Username: u.name, Secret: u.password })}' ;;`)
      .join('\n');
    const script = `#!/bin/sh\n[ "$1" = get ] || exit 1\nread -r server\ncase "$server" in\n${cases}\n  *) echo "credentials not found in native keychain"; exit 1 ;;\nesac\n`;
    writeFileSync(join(bin, `docker-credential-${helper.name}`), script);
    chmodSync(join(bin, `docker-credential-${helper.name}`), 0o755);
    if (helper.as === 'credsStore') config['credsStore'] = helper.name;
    else config['credHelpers'] = Object.fromEntries(Object.keys(helper.servers).map((server) => [server, helper.name]));
  }
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  return { dir, bin, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
