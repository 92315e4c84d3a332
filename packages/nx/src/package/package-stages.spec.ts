import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FileHashCache } from '../key/hash-cache';
import { Planner } from '../key/plan';
import { buildStageGraph } from '../stage/graph';
import { loadStage } from '../stage/load';
import { resolveOptions } from '../stage/plugin-options';
import { FakeEngine } from '../../testing/fake-engine';
import { imageClosure, packageStep } from './package-stages';
import { runStageBatch } from '../ensure/run-stages';

const OPTIONS = resolveOptions({ imageName: 'fake', defaultBase: 'base' });
const STAGES = ['base', 'lib', 'app', 'tool', 'other', 'consumer'];

/** base <- lib <- app, base <- lib <- tool, base <- other; app, tool and other export packages; consumer installs app's. */
function workspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'stagecraft-package-batch-'));
  const write = (path: string, content: string | object) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  };
  const packaged = (depends: string[] = []) => ({ depends, build: { type: 'custom', steps: ['true'] }, exports: { packages: ['/out/*.pkg'] } });
  write('base/Dockerfile', 'FROM scratch\nCOPY busybox /bin/busybox\n');
  write('base/busybox', 'not really busybox');
  write('lib/stage.json', { build: { type: 'custom', steps: ['true'] } });
  write('app/stage.json', packaged(['lib']));
  write('tool/stage.json', packaged(['lib']));
  write('other/stage.json', packaged());
  write('consumer/stage.json', { ...packaged(['app']), consumePackages: true });
  return root;
}

describe('package tasks of one batch share one scheduler', () => {
  let root: string;
  let engine: FakeEngine;

  beforeEach(() => {
    root = workspace();
    engine = new FakeEngine();
    engine.buildMs = 20;
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  async function packageBatch(packageProjects: string[], concurrency: number) {
    const graph = buildStageGraph(STAGES.map((dir) => loadStage(root, dir)), OPTIONS);
    const cacheDir = join(root, '.cache');
    const hashCache = new FileHashCache(join(cacheDir, 'file-hashes.json'));
    const planner = new Planner({ workspaceRoot: root, graph, options: OPTIONS, now: new Date('2026-11-21T12:00:00Z'), env: {}, hashCache });
    const statuses: Record<string, string> = {};
    const messages: Record<string, string | undefined> = {};
    const generator = runStageBatch({
      stages: { graph, planner, workspaceRoot: root, cacheDir, hashCache, options: OPTIONS },
      projects: imageClosure(graph, packageProjects),
      engine,
      concurrency,
      isForced: () => false,
      explain: false,
      write: () => undefined,
      terminal: false,
      afterImage: packageStep(root, graph, engine, packageProjects),
    });
    for await (const event of generator) {
      statuses[event.project] = event.outcome.status;
      messages[event.project] = event.outcome.message;
    }
    return { statuses, messages, planner };
  }

  const builtStages = () => engine.builds.map((request) => request.tag.replace(/^fake-/, '').replace(/:.*$/, '')).sort();

  it('builds a shared upstream once and never more than the limit at once, then copies each package out', async () => {
    const { statuses, planner } = await packageBatch(['app', 'tool', 'other'], 2);
    expect(statuses).toEqual({ base: 'built', lib: 'built', app: 'built', tool: 'built', other: 'built' });
    expect(builtStages()).toEqual(['app', 'base', 'lib', 'other', 'tool']);
    expect(engine.maxInFlight).toBe(2);
    for (const stage of ['app', 'tool', 'other']) {
      const plan = await planner.plan(stage);
      expect(readdirSync(join(root, 'dist/packages', stage))).toEqual([`${stage}-0.pkg`]);
      const provenance = JSON.parse(readFileSync(join(root, `dist/packages/${stage}.provenance.json`), 'utf8'));
      expect(provenance).toEqual({ stage, key: plan.key, tag: plan.tag, files: { [`${stage}-0.pkg`]: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    }
  });

  it('holds to a limit of one', async () => {
    await packageBatch(['app', 'tool', 'other'], 1);
    expect(engine.builds).toHaveLength(5);
    expect(engine.maxInFlight).toBe(1);
  });

  it("a stage consuming a batch-mate's packages is built only after they are copied out", async () => {
    const { statuses, planner } = await packageBatch(['consumer', 'app', 'other'], 3);
    expect(statuses).toMatchObject({ app: 'built', consumer: 'built' });
    // The consumer's build context holds the package file copied out of app's image: built before the copy, it would hold none.
    const consumerContext = engine.contexts.find((context) => context.tag.startsWith('fake-consumer:'))!;
    const appImage = (await planner.plan('app')).tag;
    expect(consumerContext.files.get('packages/app/app-0.pkg')).toBe(appImage);
    expect(readdirSync(join(root, 'dist/packages/consumer'))).toEqual(['consumer-0.pkg']);
  });

  it('a failed upstream fails no unrelated package, and leaves no files for the ones it skips', async () => {
    engine.failing.add('lib');
    const { statuses } = await packageBatch(['app', 'tool', 'other'], 2);
    expect(statuses).toEqual({ base: 'built', lib: 'failed', app: 'skipped', tool: 'skipped', other: 'built' });
    expect(existsSync(join(root, 'dist/packages/app'))).toBe(false);
    expect(readdirSync(join(root, 'dist/packages/other'))).toEqual(['other-0.pkg']);
  });

  it('a copy that fails fails its stage naming the stage file, and leaves nothing behind', async () => {
    engine.readFiles = async () => {
      throw new Error('no regular file in image matches /out/*.pkg');
    };
    const { statuses, messages } = await packageBatch(['other'], 2);
    expect(statuses.other).toBe('failed');
    expect(messages.other).toBe('other/stage.json at /exports/packages: no regular file in image matches /out/*.pkg');
    expect(existsSync(join(root, 'dist/packages/other'))).toBe(false);
    expect(existsSync(join(root, 'dist/packages/other.provenance.json'))).toBe(false);
  });
});
