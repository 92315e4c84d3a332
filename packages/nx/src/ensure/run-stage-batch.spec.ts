import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import fg from 'fast-glob';
import { pathToFileURL } from 'node:url';
import os, { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FileHashCache } from '../key/hash-cache';
import * as treeManifest from '../sources/tree-manifest';
import { Planner } from '../key/plan';
import { buildStageGraph } from '../stage/graph';
import { loadStage } from '../stage/load';
import { resolveOptions } from '../stage/plugin-options';
import { FakeEngine } from '../../testing/fake-engine';
import { ensureStage } from './ensure-stage';
import { KeyHistory } from './key-history';
import { runStageBatch, type StageBatch, type StageRunEvent } from './run-stages';

const OPTIONS = resolveOptions({ imageName: 'fake', defaultBase: 'base' });

/** base <- lib <- app, and base <- other. */
function workspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'stagecraft-batch-'));
  const write = (path: string, content: string | object) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  };
  write('base/Dockerfile', 'FROM scratch\nCOPY busybox /bin/busybox\n');
  write('base/busybox', 'not really busybox');
  write('lib/stage.json', { build: { type: 'custom', steps: ['true'] } });
  write('app/stage.json', { depends: ['lib'], build: { type: 'custom', steps: ['true'] } });
  write('other/stage.json', { build: { type: 'custom', steps: ['true'] } });
  return root;
}

describe('the build core against a fake Engine', () => {
  let root: string;
  let engine: FakeEngine;
  let lines: string[];
  let lastEvents: StageRunEvent[];

  function batch(projects: string[], forced: string[] = [], terminal = false, extra: Partial<StageBatch> = {}) {
    const stages = ['base', 'lib', 'app', 'other'].map((dir) => loadStage(root, dir));
    const graph = buildStageGraph(stages, OPTIONS);
    const cacheDir = join(root, '.cache');
    const hashCache = new FileHashCache(join(cacheDir, 'file-hashes.json'));
    const planner = new Planner({ workspaceRoot: root, graph, options: OPTIONS, now: new Date('2026-11-21T12:00:00Z'), env: {}, hashCache });
    return {
      planner,
      run: async () => {
        const events: StageRunEvent[] = [];
        const generator = runStageBatch({
          stages: { graph, planner, workspaceRoot: root, cacheDir, hashCache, options: OPTIONS },
          projects,
          engine,
          concurrency: 2,
          isForced: (stage) => forced.includes(stage),
          explain: false,
          write: (line) => lines.push(line),
          terminal,
          ...extra,
        });
        for await (const event of generator) events.push(event);
        lastEvents = events;
        return Object.fromEntries(events.map((event) => [event.project, event.outcome.status]));
      },
    };
  }

  beforeEach(() => {
    root = workspace();
    engine = new FakeEngine();
    lines = [];
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds every missing stage once, upstream first, and tags only what built', async () => {
    expect(await batch(['app', 'base', 'lib', 'other']).run()).toEqual({ base: 'built', lib: 'built', app: 'built', other: 'built' });
    const order = engine.builds.map((request) => request.tag.split(':')[0]);
    expect(order.indexOf('fake-base')).toBeLessThan(order.indexOf('fake-lib'));
    expect(order.indexOf('fake-lib')).toBeLessThan(order.indexOf('fake-app'));
    expect(engine.builds).toHaveLength(4);
  });

  it('builds for the platform the key names', async () => {
    const { planner, run } = batch(['base']);
    await run();
    const plan = await planner.plan('base');
    expect(plan.keyDocument.platform).toBe('linux/amd64');
    expect(engine.builds[0].platform).toBe(plan.keyDocument.platform);
  });

  it('an image the layer cache gave for another platform is never tagged: the stage builds again without the cache', async () => {
    engine.wrongPlatformOnce.add('base');
    expect(await batch(['base']).run()).toEqual({ base: 'built' });
    expect(engine.builds.map((request) => request.noCache)).toEqual([false, true]);
    expect(lines).toContain('base: the layer cache gave an image for linux/arm64, not linux/amd64: building again without it');
  });

  it('a second run finds every image present and builds nothing', async () => {
    await batch(['app', 'base', 'lib', 'other']).run();
    engine.builds = [];
    expect(await batch(['app', 'base', 'lib', 'other']).run()).toEqual({ base: 'present', lib: 'present', app: 'present', other: 'present' });
    expect(engine.builds).toEqual([]);
  });

  it('a failed stage fails, its dependents are skipped, and independent stages go on', async () => {
    engine.failing.add('lib');
    expect(await batch(['app', 'base', 'lib', 'other']).run()).toEqual({ base: 'built', lib: 'failed', app: 'skipped', other: 'built' });
    expect(lines).toContainEqual(expect.stringMatching(/^lib: failed: Step 2\/3 : RUN make failed in lib$/));
    expect(lines).toContainEqual('app: not built: upstream stage lib did not build');
    // What the run records of a stage (its manifest, its key history) is there only for the stages whose image exists.
    expect(existsSync(join(root, 'dist', 'stagecraft', 'lib.json'))).toBe(false);
    expect(existsSync(join(root, 'dist', 'stagecraft', 'base.json'))).toBe(true);
    const history = new KeyHistory(join(root, '.cache'));
    expect(history.last('base')).toBeDefined();
    expect(history.last('lib')).toBeUndefined();
  });

  describe('every stage gets an answer, and the timeline is written, whatever happens', () => {
    const timelineFile = () => join(root, 'dist', 'stagecraft', 'timeline.json');

    it('a stage whose after-image step waits for a stage that waits for it is skipped, naming the cycle', async () => {
      const cycle: Record<string, string[]> = { lib: ['other'], other: ['lib'] };
      const step = { stages: new Set(['lib', 'other']), waitsFor: (stage: string) => cycle[stage] ?? [], run: async () => undefined };
      expect(await batch(['base', 'lib', 'other'], [], false, { afterImage: step, timeline: true }).run()).toEqual({
        base: 'built',
        lib: 'skipped',
        other: 'skipped',
      });
      expect(lines).toContain('lib: not built: it waits for other, which can never start: stages that wait for each other in a cycle');
      expect(lastEvents.at(-1)!.timelineFiles).toEqual([join('dist', 'stagecraft', 'timeline.json'), join('dist', 'stagecraft', 'timeline.svg')]);
      expect(existsSync(timelineFile())).toBe(true);
    });

    it('a stage whose job rejects fails with the error, and its dependents are skipped', async () => {
      const step = { stages: new Set(['lib']), waitsFor: () => [], run: async () => undefined };
      const { planner, run } = batch(['base', 'lib', 'app'], [], false, { afterImage: step, timeline: true });
      // The job asks for lib's plan again for its after-image step, outside ensureStage: a rejection there rejects the job itself.
      const plan = planner.plan.bind(planner);
      const libBuilt = () => [...engine.images.keys()].some((tag) => tag.startsWith('fake-lib:'));
      jest.spyOn(planner, 'plan').mockImplementation(async (stage) => {
        if (stage === 'lib' && libBuilt()) throw new Error('the plan of lib went away');
        return plan(stage);
      });
      const statuses = await run();
      expect(statuses).toEqual({ base: 'built', lib: 'failed', app: 'skipped' });
      expect(lines).toContain('lib: failed: the plan of lib went away');
      expect(lines).toContain('app: not built: upstream stage lib did not build');
      expect(existsSync(timelineFile())).toBe(true);
    });

    it('a cancelled batch answers every stage: the build in flight fails as cancelled, the rest are skipped, nothing is tagged', async () => {
      const cancel = new AbortController();
      engine.buildMs = 60_000;
      engine.onBuildStarted = () => cancel.abort();
      expect(await batch(['app', 'base', 'lib', 'other'], [], false, { signal: cancel.signal, concurrency: 1, timeline: true }).run()).toEqual({
        base: 'failed',
        lib: 'skipped',
        app: 'skipped',
        other: 'skipped',
      });
      expect(engine.builds).toHaveLength(1);
      expect(engine.images.size).toBe(0);
      expect(lines).toContain('other: not built: the run was cancelled');
      expect(existsSync(timelineFile())).toBe(true);
    });
  });

  describe('a url source tree in the cache', () => {
    const data = 'the source, as published\n';
    let sha256: string;

    beforeEach(() => {
      mkdirSync(join(root, 'vendor', 'pkg-1.0'), { recursive: true });
      writeFileSync(join(root, 'vendor', 'pkg-1.0', 'data.txt'), data);
      execFileSync('tar', ['-czf', 'pkg-1.0.tar.gz', 'pkg-1.0'], { cwd: join(root, 'vendor') });
      sha256 = createHash('sha256').update(readFileSync(join(root, 'vendor', 'pkg-1.0.tar.gz'))).digest('hex');
      const source = { url: pathToFileURL(join(root, 'vendor', 'pkg-1.0.tar.gz')).href, sha256 };
      writeFileSync(join(root, 'other/stage.json'), JSON.stringify({ source, build: { type: 'custom', steps: ['true'] } }));
    });

    const sourceFileIn = ({ files }: { files: Map<string, string> }) => [...files].find(([path]) => path.startsWith('source/') && path.endsWith('/data.txt'))?.[1];
    const rebuildOther = async () => {
      const { planner, run } = batch(['other']);
      engine.images.delete((await planner.plan('other')).tag);
      engine.builds = [];
      engine.contexts = [];
      return run();
    };

    it('is read once, as the context is packed: no check reads it first', async () => {
      expect(await batch(['other']).run()).toEqual({ other: 'built' });
      const check = jest.spyOn(treeManifest, 'treeIsIntact');
      try {
        expect(await rebuildOther()).toEqual({ other: 'built' });
        expect(check).not.toHaveBeenCalled();
        expect(engine.contexts.map(sourceFileIn)).toEqual([data]);
      } finally {
        check.mockRestore();
      }
    });

    it('damaged in the cache, fails its packing and is unpacked again for one more build, which gets the published content', async () => {
      expect(await batch(['other']).run()).toEqual({ other: 'built' });
      const [damaged] = fg.sync(`.cache/**/trees/${sha256}/**/data.txt`, { cwd: root, dot: true });
      writeFileSync(join(root, damaged), 'garbage of the same size..\n'.slice(0, data.length));
      expect(await rebuildOther()).toEqual({ other: 'built' });
      expect(engine.builds).toHaveLength(2);
      expect(sourceFileIn(engine.contexts.at(-1)!)).toBe(data);
      expect(readFileSync(join(root, damaged), 'utf8')).toBe(data);
    });
  });

  it('an unreachable Engine fails every stage with its message and builds nothing', async () => {
    engine.reachable = false;
    expect(await batch(['base', 'lib']).run()).toEqual({ base: 'failed', lib: 'failed' });
    expect(lines).toContain('base: failed: cannot reach the Docker Engine at unix:///fake.sock: start it');
    expect(engine.builds).toEqual([]);
  });

  it('an external base with no pin fails its stage before any Engine work, with the command that pins it', async () => {
    writeFileSync(join(root, 'other/stage.json'), JSON.stringify({ from: 'debian:12', build: { type: 'custom', steps: ['true'] } }));
    engine.reachable = false;
    expect(await batch(['other']).run()).toEqual({ other: 'failed' });
    expect(lines).toEqual([
      "other: failed: the external base 'debian:12' of other/stage.json is not pinned to a digest, so the key cannot hold its content. " +
        "Pin it with: nx g @stagecraft/nx:lock --include='^other$'",
    ]);
    engine.reachable = true;
    expect(await batch(['base', 'other']).run()).toEqual({ base: 'built', other: 'failed' });
    expect(engine.builds).toHaveLength(1);
  });

  it('a base given by digest needs no pin', async () => {
    writeFileSync(join(root, 'other/stage.json'), JSON.stringify({ from: `debian:12@sha256:${'c'.repeat(64)}`, build: { type: 'custom', steps: ['true'] } }));
    expect(await batch(['other']).run()).toEqual({ other: 'built' });
  });

  it('a forced present stage is rebuilt without the layer cache, and the image it replaced is removed', async () => {
    await batch(['base']).run();
    const before = [...engine.images.values()][0];
    engine.builds = [];
    expect(await batch(['base'], ['base']).run()).toEqual({ base: 'built' });
    expect(engine.builds).toHaveLength(1);
    expect(engine.builds[0].noCache).toBe(true);
    expect(engine.removed).toEqual([before]);
  });

  it('the CPU count and proxy settings reach a networked build as build args, and the tag is the same on every machine', async () => {
    writeFileSync(join(root, 'other/stage.json'), JSON.stringify({ build: { type: 'make' }, network: 'host' }));
    const buildOnMachine = async (cpuCount: number, proxy: string) => {
      const cpus = jest.spyOn(os, 'cpus').mockReturnValue(new Array(cpuCount).fill(os.cpus()[0]));
      const saved = process.env['HTTP_PROXY'];
      process.env['HTTP_PROXY'] = proxy;
      try {
        engine = new FakeEngine();
        await batch(['base', 'other']).run();
        return engine.builds.find((request) => request.tag.startsWith('fake-other:'))!;
      } finally {
        cpus.mockRestore();
        if (saved === undefined) delete process.env['HTTP_PROXY'];
        else process.env['HTTP_PROXY'] = saved;
      }
    };
    const small = await buildOnMachine(2, 'http://127.0.0.1:3128');
    const large = await buildOnMachine(64, 'http://127.0.0.1:8080');
    expect(small).toMatchObject({ network: 'host', buildArgs: { JOBS: '2', HTTP_PROXY: 'http://127.0.0.1:3128', http_proxy: 'http://127.0.0.1:3128' } });
    expect(large.buildArgs).toMatchObject({ JOBS: '64', HTTP_PROXY: 'http://127.0.0.1:8080' });
    expect(large.tag).toBe(small.tag);
    expect(lastEvents.find((event) => event.project === 'other')!.outcome.network).toBe('host');
  });

  it('a stage without network builds with network none and gets no proxy', async () => {
    writeFileSync(join(root, 'other/stage.json'), JSON.stringify({ build: { type: 'make' } }));
    const saved = process.env['HTTPS_PROXY'];
    process.env['HTTPS_PROXY'] = 'http://127.0.0.1:3128';
    try {
      await batch(['base', 'other']).run();
    } finally {
      if (saved === undefined) delete process.env['HTTPS_PROXY'];
      else process.env['HTTPS_PROXY'] = saved;
    }
    const request = engine.builds.find((r) => r.tag.startsWith('fake-other:'))!;
    expect(request.network).toBe('none');
    expect(Object.keys(request.buildArgs)).toEqual(['JOBS']);
    expect(lastEvents.find((event) => event.project === 'other')!.outcome).not.toHaveProperty('network');
  });

  it('ensureStage: a tag that appeared while waiting for the lock is taken as present', async () => {
    const { planner } = batch(['base']);
    const plan = await planner.plan('base');
    engine.images.set(plan.tag, 'sha256:built-by-another-run');
    const outcome = await ensureStage('base', {
      engine,
      planner,
      workspaceRoot: root,
      cacheDir: join(root, '.cache'),
      localImages: new Map(),
      isForced: () => false,
      explain: false,
      history: new KeyHistory(join(root, '.cache')),
      targetNames: OPTIONS.targetNames,
      log: () => undefined,
    });
    expect(outcome).toMatchObject({ stage: 'base', status: 'present', tag: plan.tag });
    expect(engine.builds).toEqual([]);
  });

  it("strips the engine's terminal escapes unless the lines go to a terminal", async () => {
    engine.output = ['\x1b[91mconfigure: warning\x1b[0m'];
    await batch(['base']).run();
    expect(lines).toContain('base: configure: warning');
    engine.output = ['\x1b[91mcolour\x1b[0m'];
    await batch(['base'], ['base'], true).run();
    expect(lines).toContain('base: \x1b[91mcolour\x1b[0m');
  });

  it("gives each stage its own start and end time, within the batch's", async () => {
    const before = Date.now();
    await batch(['app', 'base', 'lib']).run();
    const times = Object.fromEntries(lastEvents.map((event) => [event.project, event.outcome]));
    for (const outcome of Object.values(times)) {
      expect(outcome.startTime).toBeGreaterThanOrEqual(before);
      expect(outcome.endTime).toBeGreaterThanOrEqual(outcome.startTime!);
    }
    expect(times.lib.startTime).toBeGreaterThanOrEqual(times.base.endTime!);
    expect(times.app.startTime).toBeGreaterThanOrEqual(times.lib.endTime!);
  });

  it('refuses a Dockerfile stage with unpinned external images of every kind before any Engine request, naming them and the command that pins them', async () => {
    const dockerfile = ['# syntax=docker/dockerfile:1.7', 'FROM golang:1.22 AS build', 'RUN --mount=from=tonistiigi/xx:1.4.0,target=/xx true', 'FROM base', 'COPY --from=docker/buildx-bin:0.14 /buildx /buildx', 'COPY --from=build /x /x', ''].join('\n');
    mkdirSync(join(root, 'tool'));
    writeFileSync(join(root, 'tool', 'Dockerfile'), dockerfile);
    const stages = ['base', 'tool'].map((dir) => loadStage(root, dir));
    const graph = buildStageGraph(stages, OPTIONS);
    const hashCache = new FileHashCache(join(root, '.cache', 'file-hashes.json'));
    const planner = new Planner({ workspaceRoot: root, graph, options: OPTIONS, now: new Date('2026-11-21T12:00:00Z'), env: {}, hashCache });
    const calls: string[] = [];
    const recording = new Proxy(engine, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (...args: unknown[]) => (calls.push(String(property)), value.apply(target, args)) : value;
      },
    });
    const events: StageRunEvent[] = [];
    const generator = runStageBatch({
      stages: { graph, planner, workspaceRoot: root, cacheDir: join(root, '.cache'), hashCache, options: OPTIONS },
      projects: ['tool'],
      engine: recording,
      concurrency: 1,
      isForced: () => false,
      explain: false,
      write: (line) => lines.push(line),
    });
    for await (const event of generator) events.push(event);
    expect(events.map((event) => event.outcome.status)).toEqual(['failed']);
    const message = events[0].outcome.message!;
    for (const described of [
      "the Dockerfile frontend (# syntax) 'docker/dockerfile:1.7'",
      "the external image (FROM) 'golang:1.22'",
      "the external image (RUN --mount=from) 'tonistiigi/xx:1.4.0'",
      "the external image (COPY --from) 'docker/buildx-bin:0.14'",
    ]) expect(message).toContain(described);
    expect(message).toContain("Pin them with: nx g @stagecraft/nx:lock --include='^tool$'");
    expect(calls).toEqual([]);
  });
});
