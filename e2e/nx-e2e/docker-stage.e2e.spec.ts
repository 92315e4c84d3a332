import Docker from 'dockerode';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { removeImagesNamed, uniqueImageName } from '../../packages/nx/testing/engine';
import { ISOLATED_PLUGINS, REPO_ROOT, runNx, writeBusyboxBase } from '../../packages/nx/testing/workspace';

/**
 * The plugin as a user gets it: `npm pack` of packages/nx (after `npm run build`),
 * installed with nx into a fresh workspace, set up with the init generator, and
 * run over a small stage DAG on the real engine: base (busybox) <- lib-a <- lib-b <- app (aggregate).
 */
const PACKAGE_DIR = join(REPO_ROOT, 'packages', 'nx');
const NX_VERSION = '24.0.6';
// Nx as users run it: each graph plugin in its own worker process.
const CLOCK = { STAGECRAFT_NOW: '2026-11-21T12:00:00Z', ...ISOLATED_PLUGINS };
const STAGES = ['base', 'lib-a', 'lib-b', 'app'];

interface PackResult {
  filename: string;
  files: Array<{ path: string }>;
}

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

function withoutColours(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

function pack(destination: string): PackResult {
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', destination], PACKAGE_DIR)) as PackResult[];
  return packed;
}

function createWorkspace(root: string, tarball: string) {
  const write = (path: string, content: string | object) => {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  };
  write('package.json', {
    name: 'stagecraft-e2e-workspace',
    private: true,
    devDependencies: { nx: NX_VERSION, '@stagecraft/nx': `file:${tarball}` },
  });
  write('nx.json', { $schema: './node_modules/nx/schemas/nx-schema.json' });
  // npm's cache is warm after the repository's own install; the registry answers for anything missing.
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], root);
  return { root, write };
}

function writeStages(workspace: ReturnType<typeof createWorkspace>) {
  writeBusyboxBase(workspace);
  workspace.write('lib-a/stage.json', { build: { type: 'custom', steps: ['mkdir -p /usr/local/share', 'echo alpha > /usr/local/share/a.txt'] } });
  workspace.write('lib-b/stage.json', {
    depends: ['lib-a'],
    build: { type: 'custom', steps: ['cat /usr/local/share/a.txt > /usr/local/share/b.txt', 'echo beta >> /usr/local/share/b.txt'] },
  });
  workspace.write('app/stage.json', { depends: ['lib-b'], build: { type: 'aggregate' } });
}

describe('@stagecraft/nx installed from its npm pack tarball into a fresh Nx workspace', () => {
  const imageName = uniqueImageName('e2e');
  const docker = new Docker();
  let scratch: string;
  let packed: PackResult;
  let workspace: ReturnType<typeof createWorkspace>;
  const nx = (args: string[]) => {
    const result = runNx(workspace.root, args, CLOCK);
    return { ...result, output: withoutColours(result.stdout + result.stderr) };
  };
  const manifestOf = (stage: string) =>
    JSON.parse(readFileSync(join(workspace.root, 'dist', 'stagecraft', `${stage}.json`), 'utf8'));

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'stagecraft-e2e-'));
    packed = pack(scratch);
    workspace = createWorkspace(join(scratch, 'workspace'), join(scratch, packed.filename));
  });
  afterAll(async () => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    await removeImagesNamed(imageName);
  });

  it('packs the compiled plugin, its schemas and its executor and generator manifests, and no TypeScript sources', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'package.json',
        'bin/stagecraft.js',
        'executors.json',
        'generators.json',
        'schemas/stage.json',
        'dist/index.js',
        'dist/plugin/index.js',
        'dist/executors/docker-stage/docker-stage.impl.js',
        'dist/executors/docker-stage/schema.json',
        'dist/executors/stage-plan/stage-plan.impl.js',
        'dist/executors/stage-plan/schema.json',
        'dist/generators/init/init.js',
        'dist/generators/init/schema.json',
      ]),
    );
    expect(paths.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
  });

  it('shows nx the init generator (what `nx add` runs) and both executors', () => {
    const listed = nx(['list', '@stagecraft/nx']);
    expect(listed.status).toBe(0);
    const [generators, executors] = listed.output.split('EXECUTORS');
    expect(generators).toMatch(/^init : /m);
    expect(executors).toMatch(/^docker-stage : /m);
    expect(executors).toMatch(/^stage-plan : /m);
  });

  it('registers the plugin in nx.json with the init generator, once however often it runs', () => {
    const init = ['g', '@stagecraft/nx:init', `--imageName=${imageName}`, '--defaultBase=base', '--no-interactive'];
    expect(nx(init).status).toBe(0);
    expect(nx(init).status).toBe(0);
    const nxJson = JSON.parse(readFileSync(join(workspace.root, 'nx.json'), 'utf8'));
    expect(nxJson.plugins).toEqual([{ plugin: '@stagecraft/nx', options: { imageName, defaultBase: 'base' } }]);
  });

  it('builds the stage DAG with run-many and labels each image with its stage and key', async () => {
    writeStages(workspace);
    const run = nx(['run-many', '-t', 'docker-stage', '--output-style=static']);
    expect(run.output).toContain('Stagecraft: 4 stages: 4 built');
    expect(run.status).toBe(0);

    for (const stage of STAGES) {
      const manifest = manifestOf(stage);
      expect(manifest.tag).toMatch(new RegExp(`^${imageName}-${stage}:2026-W47-${manifest.key.slice(0, 16)}$`));
      const inspected = await docker.getImage(manifest.tag).inspect();
      expect(inspected.Id).toBe(manifest.imageId);
      expect(inspected.Config.Labels).toMatchObject({ 'dev.stagecraft.stage': stage, 'dev.stagecraft.key': manifest.key });
    }
  });

  it('links the stagecraft command: tag, plan and status answer on stdout alone, from the same planner', () => {
    const stagecraft = (args: string[]) =>
      spawnSync('npx', ['--no-install', 'stagecraft', ...args], {
        cwd: workspace.root,
        encoding: 'utf8',
        env: { ...process.env, ...CLOCK, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true' },
      });
    const tag = stagecraft(['tag', 'app']);
    expect(tag.status).toBe(0);
    expect(tag.stdout).toBe(`${manifestOf('app').tag}\n`);

    const plan = stagecraft(['plan', 'lib-b', '--json']);
    expect(plan.status).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ stage: 'lib-b', key: manifestOf('lib-b').key });

    const status = stagecraft(['status', '--json']);
    expect(status.status).toBe(0);
    expect(JSON.parse(status.stdout).map((s: { stage: string; status: string }) => [s.stage, s.status])).toEqual(
      STAGES.map((stage) => [stage, 'present']),
    );
  });

  it('finds every stage present on the next run', () => {
    const run = nx(['run-many', '-t', 'docker-stage', '--output-style=static']);
    expect(run.status).toBe(0);
    expect(run.output).toContain('Stagecraft: 4 stages: 4 present');
  });
});
