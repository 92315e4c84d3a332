import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { StagecraftOptions } from '../src/stage/types';

export const REPO_ROOT = join(__dirname, '..', '..', '..');

export interface TestWorkspace {
  root: string;
  write(path: string, content: string | object): void;
  nx(args: string[], env?: NodeJS.ProcessEnv): NxRun;
  remove(): void;
}

/**
 * A real Nx workspace in a temp directory that uses the built plugin through a
 * node_modules link to this repository's (where @stagecraft/nx is packages/nx).
 */
export function createTestWorkspace(options: StagecraftOptions, parent = tmpdir()): TestWorkspace {
  const root = mkdtempSync(join(parent, 'stagecraft-ws-'));
  const write = (path: string, content: string | object) => {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  };
  write('package.json', { name: 'stagecraft-test-workspace', private: true });
  write('nx.json', { plugins: [{ plugin: '@stagecraft/nx', options }] });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return {
    root,
    write,
    nx: (args, env = {}) => runNx(root, args, env),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Nx's default, which the integration set-up turns off for speed: each graph plugin in a worker process of its own, as users run it. */
export const ISOLATED_PLUGINS = { NX_ISOLATE_PLUGINS: 'true' };

export interface NxRun {
  stdout: string;
  stderr: string;
  status: number;
}

function nxEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true', ...env };
}

export function runNx(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): NxRun {
  const result = spawnSync(join(cwd, 'node_modules', '.bin', 'nx'), args, {
    cwd,
    encoding: 'utf8',
    env: nxEnv(env),
    maxBuffer: 64 * 1024 * 1024,
  });
  return { stdout: result.stdout ?? '', stderr: result.stderr ?? '', status: result.status ?? -1 };
}

/** Like runNx, without blocking: for runs that must overlap. */
export function runNxAsync(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<NxRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(cwd, 'node_modules', '.bin', 'nx'), args, { cwd, env: nxEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ stdout, stderr, status: status ?? -1 }));
  });
}

/** A base stage built from files: FROM scratch plus Debian's static busybox. */
export function writeBusyboxBase(workspace: Pick<TestWorkspace, 'root' | 'write'>, dir = 'base'): void {
  workspace.write(
    `${dir}/Dockerfile`,
    ['FROM scratch', 'COPY busybox /bin/busybox', 'RUN ["/bin/busybox", "--install", "-s", "/bin"]', ''].join('\n'),
  );
  copyFileSync('/bin/busybox', join(workspace.root, dir, 'busybox'));
  chmodSync(join(workspace.root, dir, 'busybox'), 0o755);
}
