import Docker from 'dockerode';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFilesFromImage } from '../../docker/archive';
import { removeImagesNamed, tagsNamed, uniqueImageName } from '../../../testing/engine';
import { createTestWorkspace, REPO_ROOT, runNxAsync, writeBusyboxBase, type TestWorkspace } from '../../../testing/workspace';
import { summaryStatuses } from '../../../testing/summary';

/**
 * base (busybox) <- lib-a <- lib-b <- app (aggregate), and base <- lib-c <- app.
 * Every build runs on the real engine with no network.
 */
function writeStages(workspace: TestWorkspace) {
  writeBusyboxBase(workspace);
  workspace.write('lib-a/stage.json', { build: { type: 'custom', steps: ['mkdir -p /usr/local/share', 'cp a.txt /usr/local/share/a.txt'] } });
  workspace.write('lib-a/a.txt', 'alpha\n');
  workspace.write('lib-b/stage.json', {
    depends: ['lib-a'],
    build: { type: 'custom', steps: ['cat /usr/local/share/a.txt > /usr/local/share/b.txt', 'echo beta >> /usr/local/share/b.txt'] },
  });
  workspace.write('lib-b/notes.txt', 'b\n');
  workspace.write('lib-c/stage.json', { build: { type: 'custom', steps: ['mkdir -p /usr/local/share', 'echo gamma > /usr/local/share/c.txt'] } });
  workspace.write('app/stage.json', { depends: ['lib-b', 'lib-c'], build: { type: 'aggregate' } });
}

const docker = new Docker();
const CLOCK = { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' };


function manifestOf(workspace: TestWorkspace, stage: string) {
  return JSON.parse(readFileSync(join(workspace.root, 'dist/stagecraft', `${stage}.json`), 'utf8'));
}

describe('docker-stage against the real engine', () => {
  const imageName = uniqueImageName('ds');
  let workspace: TestWorkspace;
  const runAll = (args: string[] = [], env = {}) =>
    workspace.nx(['run-many', '-t', 'docker-stage', '--output-style=static', ...args], { ...CLOCK, ...env });

  beforeAll(() => {
    workspace = createTestWorkspace({ imageName, defaultBase: 'base' });
    writeStages(workspace);
  });
  afterAll(async () => {
    workspace.remove();
    await removeImagesNamed(imageName);
  });

  it('builds every stage in dependency order, labels and tags it, and writes a manifest', async () => {
    const run = runAll();
    expect(run.stderr + run.stdout).toContain('Stagecraft: 5 stages: 5 built');
    expect(run.status).toBe(0);
    expect(summaryStatuses(run.stderr + run.stdout)).toEqual({ base: 'built', 'lib-a': 'built', 'lib-b': 'built', 'lib-c': 'built', app: 'built' });
    expect(run.stderr + run.stdout).toContain('  timeline: dist/stagecraft/timeline.json, dist/stagecraft/timeline.svg');
    const trace = JSON.parse(readFileSync(join(workspace.root, 'dist/stagecraft/timeline.json'), 'utf8'));
    const stageEvents = trace.traceEvents.filter((event: { cat?: string }) => event.cat === 'stage');
    expect(stageEvents.map((event: { name: string }) => event.name).sort()).toEqual(['app', 'base', 'lib-a', 'lib-b', 'lib-c']);
    expect(stageEvents.every((event: { ph: string; args: { status: string } }) => event.ph === 'X' && event.args.status === 'built')).toBe(true);
    expect(trace.traceEvents).toContainEqual(expect.objectContaining({ cat: 'wait', name: 'waiting for lib-a' }));
    const svg = readFileSync(join(workspace.root, 'dist/stagecraft/timeline.svg'), 'utf8');
    for (const stage of ['app', 'base', 'lib-a', 'lib-b', 'lib-c']) expect(svg).toContain(`>${stage}</text>`);
    // The Engine offers BuildKit, so the default builder (auto) uses it.
    expect(run.stderr + run.stdout).toMatch(/^lib-b: (CACHED )?\[[^\]]*\d+\/\d+\] RUN /m);

    const manifest = manifestOf(workspace, 'lib-b');
    expect(manifest.tag).toMatch(new RegExp(`^${imageName}-lib-b:2026-W47-[0-9a-f]{16}$`));
    expect(manifest.keyDocument.stage).toBe('lib-b');
    expect(manifest.durationMs).toBeGreaterThan(0);
    const inspected = await docker.getImage(manifest.tag).inspect();
    expect(inspected.Id).toBe(manifest.imageId);
    const history = await docker.getImage(manifest.tag).history();
    expect(history.map((layer: { Comment: string }) => layer.Comment)).toContain('buildkit.dockerfile.v0');
    expect(inspected.Config.Labels).toMatchObject({
      'dev.stagecraft.stage': 'lib-b',
      'dev.stagecraft.key': manifest.key,
      'dev.stagecraft.key-format': '1',
      'org.opencontainers.image.title': 'lib-b',
    });

    const out = mkdtempSync(join(tmpdir(), 'stagecraft-app-files-'));
    try {
      const app = manifestOf(workspace, 'app').tag;
      await readFilesFromImage(docker, app, ['/usr/local/share/*.txt', '/tmp/depcache', '/usr/share/stagecraft/manifest.json'], out);
      expect(readFileSync(join(out, 'b.txt'), 'utf8')).toBe('alpha\nbeta\n');
      expect(readFileSync(join(out, 'c.txt'), 'utf8')).toBe('gamma\n');
      const depcache = readFileSync(join(out, 'depcache'), 'utf8');
      expect(depcache).toMatch(/^lib-b:[0-9a-f]{16},lib-c:[0-9a-f]{16},$/);
      const aggregated = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
      expect(aggregated.map((entry: { stage: string }) => entry.stage)).toEqual(['lib-b', 'lib-c']);
      expect(aggregated[0].image).toBe(manifest.tag);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('skips every stage whose image is present', async () => {
    const before = await tagsNamed(imageName);
    const run = runAll();
    expect(run.status).toBe(0);
    expect(run.stderr + run.stdout).toContain('Stagecraft: 5 stages: 5 present');
    expect(await tagsNamed(imageName)).toEqual(before);
  });

  it('rebuilds exactly the changed stage and its dependents after an input change', () => {
    writeFileSync(join(workspace.root, 'lib-a/a.txt'), 'alpha two\n');
    const run = runAll();
    expect(run.status).toBe(0);
    expect(summaryStatuses(run.stderr + run.stdout)).toEqual({ base: 'present', 'lib-a': 'built', 'lib-b': 'built', 'lib-c': 'present', app: 'built' });
  });

  it('rebuilds only the named stage with --force, and every stage of the run with STAGECRAFT_FORCE=1, bypassing the layer cache', async () => {
    expect(runAll().status).toBe(0);
    const replaced = manifestOf(workspace, 'lib-c').imageId;
    const forced = workspace.nx(['run', 'lib-c:docker-stage', '--force', '--output-style=static'], CLOCK);
    expect(forced.status).toBe(0);
    expect(summaryStatuses(forced.stderr + forced.stdout)).toEqual({ base: 'present', 'lib-c': 'built' });
    // BuildKit still reports the context and the FROM image as cached; no step of the Dockerfile is.
    expect(forced.stderr + forced.stdout).not.toMatch(/Using cache|CACHED \[\d+\/\d+\] (COPY|RUN)/);
    // The image the forced rebuild replaced is removed, not left behind untagged.
    expect(manifestOf(workspace, 'lib-c').imageId).not.toBe(replaced);
    await expect(docker.getImage(replaced).inspect()).rejects.toMatchObject({ statusCode: 404 });

    const byEnv = workspace.nx(['run', 'lib-c:docker-stage', '--output-style=static'], { ...CLOCK, STAGECRAFT_FORCE: '1' });
    expect(summaryStatuses(byEnv.stderr + byEnv.stdout)).toEqual({ base: 'built', 'lib-c': 'built' });
  });

  it('prints the tag alone on a line of stdout with --print-tag', () => {
    const run = workspace.nx(['run', 'lib-a:docker-stage', '--print-tag', '--output-style=static'], CLOCK);
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')).toContain(manifestOf(workspace, 'lib-a').tag);
  });

  it('with the legacy builder: fails a broken stage, naming its step, and skips its dependents while independent stages finish', async () => {
    const broken = createTestWorkspace({ imageName, defaultBase: 'base', builder: 'legacy' });
    try {
      writeStages(broken);
      broken.write('lib-c/stage.json', { build: { type: 'custom', steps: ['echo about to fail', 'exit 3'] } });
      broken.write('lib-a/a.txt', 'alpha three\n');
      const run = broken.nx(['run-many', '-t', 'docker-stage', '--output-style=static'], CLOCK);
      const output = run.stderr + run.stdout;
      expect(run.status).not.toBe(0);
      expect(summaryStatuses(output)).toMatchObject({ 'lib-a': 'built', 'lib-b': 'built', 'lib-c': 'failed' });
      expect(summaryStatuses(output).app).not.toBe('built');
      expect(output).toMatch(/lib-c: failed: build of .*lib-c:2026-W47-[0-9a-f]{16} failed at "Step \d+\/\d+ : RUN .*returned a non-zero code: 3/);
      expect(output).toMatch(/^lib-c: {3}\| about to fail$/m);
      expect(output).toMatch(/^lib-a: Step \d+\/\d+ : RUN /m);
      // lib-a's own top layer (its base is the BuildKit-built image of the first test).
      const [top] = await docker.getImage(manifestOf(broken, 'lib-a').tag).history();
      expect(top.CreatedBy).toMatch(/^\/bin\/sh -c #\(nop\) +LABEL /);
      expect(top.Comment).not.toBe('buildkit.dockerfile.v0');
    } finally {
      broken.remove();
    }
  });

  it('says how to start the engine when it is unreachable', () => {
    const run = workspace.nx(['run', 'lib-a:docker-stage', '--output-style=static'], {
      ...CLOCK,
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr + run.stdout).toMatch(/the Docker Engine is not reachable at unix:\/\/\/nonexistent\/docker\.sock.*start it/);
  });

  it('names a missing upstream image and the command that builds it', async () => {
    const fresh = createTestWorkspace({ imageName: `${imageName}-up`, defaultBase: 'base' });
    try {
      writeStages(fresh);
      const run = fresh.nx(['run', 'lib-b:docker-stage', '--exclude-task-dependencies', '--output-style=static'], CLOCK);
      expect(run.status).not.toBe(0);
      expect(run.stderr + run.stdout).toMatch(/upstream image .*-up-(lib-a|base):2026-W47-[0-9a-f]{16} is missing: build its stage first \(nx run (lib-a|base):docker-stage\)/);
    } finally {
      fresh.remove();
      await removeImagesNamed(`${imageName}-up`);
    }
  });

  describe('equivalence (early cut-off)', () => {
    const status = () => {
      const cli = spawnSync(process.execPath, [join(REPO_ROOT, 'packages/nx/dist/cli/stagecraft.js'), 'status', '--json'], {
        cwd: workspace.root,
        encoding: 'utf8',
        env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', ...CLOCK },
      });
      expect(cli.status).toBe(0);
      return Object.fromEntries((JSON.parse(cli.stdout) as Array<{ stage: string; status: string; pendingOn?: string[] }>).map((s) => [s.stage, s.pendingOn ? `${s.status} ${s.pendingOn.join(',')}` : s.status]));
    };

    it('an output-identical change builds the changed stage alone: its dependents take their earlier images, status equivalent', async () => {
      expect(runAll().status).toBe(0);
      const earlier = { 'lib-b': manifestOf(workspace, 'lib-b'), app: manifestOf(workspace, 'app') };
      // lib-a's directory is its source, copied to /usr/src/lib-a; lib-b and app see only what it exports (/usr/local).
      workspace.write('lib-a/notes.txt', 'a note that changes nothing lib-a exports\n');
      expect(status()).toEqual({ base: 'present', 'lib-a': 'to-build', 'lib-b': 'pending lib-a', 'lib-c': 'present', app: 'pending lib-b' });
      const run = runAll(['--explain']);
      const output = run.stderr + run.stdout;
      // The output goes with the status, so a failure shows it.
      expect({ status: run.status, output }).toMatchObject({ status: 0 });
      expect(summaryStatuses(output)).toEqual({ base: 'present', 'lib-a': 'built', 'lib-b': 'equivalent', 'lib-c': 'present', app: 'equivalent' });
      expect(output).toMatch(/^lib-b: equivalent: \S+-lib-b:ck-[0-9a-f]{64} was built for the same inputs and the same upstream outputs/m);
      expect(output).toContain('Stagecraft: 5 stages: 1 built, 2 equivalent, 2 present');
      for (const stage of ['lib-b', 'app'] as const) {
        const manifest = manifestOf(workspace, stage);
        expect(manifest).toMatchObject({ status: 'equivalent', imageId: earlier[stage].imageId, resolvedKey: expect.stringMatching(/^[0-9a-f]{64}$/) });
        expect(manifest.tag).not.toBe(earlier[stage].tag);
        expect((await docker.getImage(manifest.tag).inspect()).Id).toBe(earlier[stage].imageId);
      }
      const trace = JSON.parse(readFileSync(join(workspace.root, 'dist/stagecraft/timeline.json'), 'utf8'));
      expect(trace.traceEvents).toContainEqual(expect.objectContaining({ cat: 'stage', name: 'lib-b', args: expect.objectContaining({ status: 'equivalent' }) }));
      expect(readFileSync(join(workspace.root, 'dist/stagecraft/timeline.svg'), 'utf8')).toContain('lib-b: equivalent');

      // Another such change, lib-a alone built: status and --dry-run tell its dependents are equivalent before any build.
      workspace.write('lib-a/notes.txt', 'another note\n');
      expect(workspace.nx(['run', 'lib-a:docker-stage', '--output-style=static'], CLOCK).status).toBe(0);
      expect(status()).toMatchObject({ 'lib-b': 'equivalent', app: 'equivalent' });
      const dryRun = workspace.nx(['run', 'lib-b:docker-stage', '--dry-run', '--output-style=static'], CLOCK);
      expect(dryRun.stderr + dryRun.stdout).toMatch(/lib-b: dry run: equivalent: \S+-lib-b:ck-[0-9a-f]{64} was built for the same inputs and upstream outputs; nothing to build/);
      // With equivalence off, the dependents are built as before.
      const off = runAll([], { STAGECRAFT_EQUIVALENCE: '0' });
      expect(summaryStatuses(off.stderr + off.stdout)).toEqual({ base: 'present', 'lib-a': 'present', 'lib-b': 'built', 'lib-c': 'present', app: 'built' });
    });

    it('a stage whose output is not reproducible (a step writes the time) works, with no equivalence, and --explain says why', () => {
      workspace.write('lib-c/stage.json', { build: { type: 'custom', steps: ['mkdir -p /usr/local/share', 'echo gamma > /usr/local/share/c.txt', 'date +%s%N > /usr/local/share/c-built-at'] } });
      expect(runAll().status).toBe(0);
      workspace.write('lib-c/notes.txt', 'a note that changes nothing lib-c exports, but its build writes the time\n');
      const run = runAll(['--explain']);
      const output = run.stderr + run.stdout;
      expect(run.status).toBe(0);
      expect(summaryStatuses(output)).toEqual({ base: 'present', 'lib-a': 'present', 'lib-b': 'present', 'lib-c': 'built', app: 'built' });
      expect(output).toContain(
        "app: not equivalent: upstream lib-c's exported files changed since this stage's last build (/usr/local/share/c-built-at differs); " +
          "when lib-c's change should not have changed them, its build is not reproducible",
      );
    });
  });

  it('lets two run-many runs over the same workspace build at once: both succeed and each tag is built once', async () => {
    writeFileSync(join(workspace.root, 'lib-a/a.txt'), 'alpha concurrent\n');
    const args = ['run-many', '-t', 'docker-stage', '--output-style=static'];
    const [first, second] = await Promise.all([runNxAsync(workspace.root, args, CLOCK), runNxAsync(workspace.root, args, CLOCK)]);
    expect([first.status, second.status]).toEqual([0, 0]);
    const builtBy = (run: { stdout: string; stderr: string }) => summaryStatuses(run.stderr + run.stdout);
    for (const stage of ['lib-a', 'lib-b', 'app']) {
      // The per-tag lock: one run builds the changed stage, the other finds it present.
      expect([builtBy(first)[stage], builtBy(second)[stage]].sort()).toEqual(['built', 'present']);
    }
    const tag = manifestOf(workspace, 'lib-b').tag;
    expect(await tagsNamed(`${imageName}-lib-b:`)).toContain(tag);
    const again = runAll();
    expect(again.stderr + again.stdout).toContain('Stagecraft: 5 stages: 5 present');
  });
});
