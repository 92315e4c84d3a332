import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ISOLATED_PLUGINS, REPO_ROOT, runNxAsync } from '../../packages/nx/testing/workspace';

/**
 * The plugin as a user gets it: `npm pack` of packages/nx (after `npm run build`),
 * added with `nx add` to a fresh workspace that has nothing but nx.
 */
const PACKAGE_DIR = join(REPO_ROOT, 'packages', 'nx');
export const CLOCK = { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' };
/**
 * The install scripts this repository allows (none: ssh2's optional native build alone is
 * 20 s an install), so a workspace's npm installs cost what the repository's own does.
 */
const REPOSITORY_ALLOW_SCRIPTS: Record<string, boolean> = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).allowScripts;
/** npm's cache is warm after the repository's own install; the registry answers for anything missing. */
const NPM_OFFLINE_FIRST = { npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };

export interface PackResult {
  filename: string;
  files: Array<{ path: string }>;
}

export interface CommandResult {
  status: number;
  /** stdout and stderr together, without colours. */
  output: string;
  stdout: string;
}

export function pack(destination: string): PackResult {
  const result = spawnSync('npm', ['pack', '--json', '--pack-destination', destination], { cwd: PACKAGE_DIR, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm pack failed in ${PACKAGE_DIR}:\n${result.stdout}\n${result.stderr}`);
  const [packed] = JSON.parse(result.stdout) as PackResult[];
  return packed;
}

function withoutColours(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

function runAsync(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status: status ?? -1, stdout, output: withoutColours(stdout + stderr) }));
  });
}

export class PackedWorkspace {
  constructor(
    readonly root: string,
    readonly nxVersion: string,
  ) {}

  write(path: string, content: string | object): void {
    const full = join(this.root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  }

  readJson<T>(path: string): T {
    return JSON.parse(readFileSync(join(this.root, path), 'utf8')) as T;
  }

  async nx(args: string[]): Promise<CommandResult> {
    // Nx as users run it: each graph plugin in its own worker process.
    const result = await runNxAsync(this.root, args, { ...CLOCK, ...NPM_OFFLINE_FIRST, ...ISOLATED_PLUGINS });
    return { status: result.status, stdout: result.stdout, output: withoutColours(result.stdout + result.stderr) };
  }

  npm(args: string[]): Promise<CommandResult> {
    return runAsync('npm', args, this.root, NPM_OFFLINE_FIRST);
  }

  /** `nx add` of the tarball: npm i -D of it, then its init generator, as `nx add @stagecraft/nx` does from the registry. */
  add(tarball: string): Promise<CommandResult> {
    return this.nx(['add', `@stagecraft/nx@file:${tarball}`]);
  }

  /** npm's own check of the installed tree: non-zero for any missing or invalid (conflicting) peer. */
  checkTree(): Promise<CommandResult> {
    return this.npm(['ls', '--all']);
  }

  /** Where each installed copy of a package is. */
  async copiesOf(name: string): Promise<string[]> {
    const listed = await this.npm(['ls', name, '--all', '--parseable']);
    return listed.stdout.split('\n').filter(Boolean).map((path) => path.slice(this.root.length + 1));
  }
}

/**
 * A fresh workspace with nothing but nx at that version (and git, for `affected`), its
 * package name the image name prefix the plugin's init gives its images.
 */
export async function createWorkspace(root: string, nxVersion: string, imageName: string): Promise<PackedWorkspace> {
  const workspace = new PackedWorkspace(root, nxVersion);
  workspace.write('package.json', { name: imageName, private: true, devDependencies: { nx: nxVersion }, allowScripts: REPOSITORY_ALLOW_SCRIPTS });
  workspace.write('nx.json', { $schema: './node_modules/nx/schemas/nx-schema.json' });
  workspace.write('.gitignore', 'node_modules\n.nx\ndist\n');
  const install = await workspace.npm(['install']);
  if (install.status !== 0) throw new Error(`npm install of nx ${nxVersion} failed in ${root}:\n${install.output}`);
  const git = spawnSync('git', ['init', '-q', '-b', 'main', root], { encoding: 'utf8' });
  if (git.status !== 0) throw new Error(`git init failed in ${root}: ${git.stderr}`);
  return workspace;
}

/** Commits everything in the workspace (for `nx affected`). */
export function commitAll(root: string, message: string): void {
  const env = { ...process.env, GIT_AUTHOR_NAME: 'e2e', GIT_AUTHOR_EMAIL: 'e2e@127.0.0.1', GIT_COMMITTER_NAME: 'e2e', GIT_COMMITTER_EMAIL: 'e2e@127.0.0.1' };
  for (const args of [['add', '-A'], ['commit', '-q', '-m', message]]) {
    const result = spawnSync('git', args, { cwd: root, encoding: 'utf8', env });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${root}: ${result.stderr}`);
  }
}
