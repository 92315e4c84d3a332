import Docker from 'dockerode';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeImagesNamed, uniqueImageName } from '../../packages/nx/testing/engine';
import { ISOLATED_PLUGINS, REPO_ROOT, writeBusyboxBase } from '../../packages/nx/testing/workspace';
import { CLOCK, commitAll, createWorkspace, pack, type PackedWorkspace, type PackResult } from './packed-plugin';

/**
 * The full proof, on the nx this repository builds with (the newest major): the packed plugin
 * added with `nx add` to a fresh workspace, set up with the init generator, and run over a small
 * stage DAG on the real engine: base (busybox) <- lib-a <- lib-b <- app (aggregate); then a
 * generated stage and `nx affected`. nx-versions.e2e.spec.ts is the smaller proof on nx 22 and 23.
 */
const NX_VERSION: string = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).devDependencies.nx;
const STAGES = ['base', 'lib-a', 'lib-b', 'app'];

function writeStages(workspace: PackedWorkspace) {
  writeBusyboxBase(workspace);
  workspace.write('lib-a/stage.json', { build: { type: 'custom', steps: ['mkdir -p /usr/local/share', 'echo alpha > /usr/local/share/a.txt'] } });
  workspace.write('lib-b/stage.json', libB('beta'));
  workspace.write('app/stage.json', { depends: ['lib-b'], build: { type: 'aggregate' } });
}

function libB(word: string) {
  return {
    depends: ['lib-a'],
    build: { type: 'custom', steps: ['cat /usr/local/share/a.txt > /usr/local/share/b.txt', `echo ${word} >> /usr/local/share/b.txt`] },
  };
}

describe(`@stagecraft/nx packed and added with \`nx add\` to a fresh nx ${NX_VERSION} workspace`, () => {
  const imageName = uniqueImageName('e2e');
  const docker = new Docker();
  let scratch: string;
  let packed: PackResult;
  let workspace: PackedWorkspace;
  const nx = (args: string[]) => workspace.nx(args);
  const manifestOf = (stage: string) => workspace.readJson<{ tag: string; key: string; imageId: string }>(`dist/stagecraft/${stage}.json`);

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'stagecraft-e2e-'));
    packed = pack(scratch);
    workspace = await createWorkspace(join(scratch, 'workspace'), NX_VERSION, imageName);
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

  it('adds with `nx add` (npm i -D, then the init generator) with no peer conflict, one copy of nx, and the plugin in nx.json', async () => {
    const added = await workspace.add(join(scratch, packed.filename));
    expect(added.output).toContain('Package @stagecraft/nx added successfully');
    expect(added.status).toBe(0);
    const tree = await workspace.checkTree();
    expect(tree.output).not.toMatch(/invalid|missing|ERESOLVE/);
    expect(tree.status).toBe(0);
    expect(await workspace.copiesOf('nx')).toEqual(['node_modules/nx']);
    expect(workspace.readJson<{ plugins: unknown }>('nx.json').plugins).toEqual([{ plugin: '@stagecraft/nx', options: { imageName } }]);
  });

  it('shows nx the init generator (what `nx add` runs) and both executors', async () => {
    const listed = await nx(['list', '@stagecraft/nx']);
    expect(listed.status).toBe(0);
    const [generators, executors] = listed.output.split('EXECUTORS');
    expect(generators).toMatch(/^init : /m);
    expect(executors).toMatch(/^docker-stage : /m);
    expect(executors).toMatch(/^stage-plan : /m);
  });

  it('merges options into its one nx.json entry however often the init generator runs again', async () => {
    const init = ['g', '@stagecraft/nx:init', '--defaultBase=base', '--no-interactive'];
    expect((await nx(init)).status).toBe(0);
    expect((await nx(init)).status).toBe(0);
    expect(workspace.readJson<{ plugins: unknown }>('nx.json').plugins).toEqual([{ plugin: '@stagecraft/nx', options: { imageName, defaultBase: 'base' } }]);
  });

  it('builds the stage DAG with run-many and labels each image with its stage and key', async () => {
    writeStages(workspace);
    const run = await nx(['run-many', '-t', 'docker-stage', '--output-style=static']);
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
        env: { ...process.env, ...CLOCK, ...ISOLATED_PLUGINS, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true' },
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

  it('finds every stage present on the next run', async () => {
    const run = await nx(['run-many', '-t', 'docker-stage', '--output-style=static']);
    expect(run.status).toBe(0);
    expect(run.output).toContain('Stagecraft: 4 stages: 4 present');
  });

  it('scaffolds a stage with `nx g @stagecraft/nx:stage`; `nx affected` builds it and what a change touches, and nothing else', async () => {
    commitAll(workspace.root, 'four stages');
    const generated = await nx(['g', '@stagecraft/nx:stage', '--name=lib-c', '--depends=lib-a', '--no-interactive']);
    expect(generated.output).toContain('CREATE lib-c/stage.json');
    expect(generated.status).toBe(0);
    workspace.write('lib-b/stage.json', libB('gamma'));

    const affected = await nx(['show', 'projects', '--affected', '--base=main', '--json']);
    expect(affected.status).toBe(0);
    expect((JSON.parse(affected.stdout) as string[]).sort()).toEqual(['app', 'lib-b', 'lib-c']);
    const run = await nx(['affected', '-t', 'docker-stage', '--base=main', '--output-style=static']);
    expect(run.output).toContain('Stagecraft: 5 stages: 3 built, 2 present');
    expect(run.status).toBe(0);
    expect(manifestOf('lib-c').tag).toMatch(new RegExp(`^${imageName}-lib-c:`));
  });
});
