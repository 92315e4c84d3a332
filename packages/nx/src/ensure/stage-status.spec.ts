import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FileHashCache } from '../key/hash-cache';
import { Planner } from '../key/plan';
import { buildStageGraph } from '../stage/graph';
import { loadStage } from '../stage/load';
import { resolveOptions } from '../stage/plugin-options';
import { KeyHistory } from './key-history';
import { rebuildReasons } from './rebuild-reasons';
import type { RegistrySettings } from '../registry-policy/registry-options';
import type { RemoteHit, StageRegistry } from '../registry-policy/stage-registry';
import { decideStatus, stageStatuses, statusText } from './stage-status';

const OPTIONS = resolveOptions({ imageName: 'fake', defaultBase: 'base' });

describe('stageStatuses: present or to be built, and why, without building', () => {
  let root: string;
  const write = (path: string, content: string | object) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  };
  const stagesNow = () => {
    const graph = buildStageGraph(['base', 'lib'].map((dir) => loadStage(root, dir)), OPTIONS);
    const cacheDir = join(root, '.cache');
    const hashCache = new FileHashCache(join(cacheDir, 'file-hashes.json'));
    const planner = new Planner({ workspaceRoot: root, graph, options: OPTIONS, now: new Date('2026-11-21T12:00:00Z'), env: {}, hashCache });
    return { graph, planner, cacheDir, hashCache };
  };
  const engineWith = (tags: string[]) => ({
    ensureReachable: async () => undefined,
    imagesOf: async (wanted: string[]) => new Map(tags.filter((tag) => wanted.includes(tag)).map((tag) => [tag, 'sha256:x'])),
  });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'stagecraft-status-'));
    write('base/Dockerfile', 'FROM scratch\n');
    write('lib/stage.json', { build: { type: 'custom', steps: ['true'] } });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reports each stage in dependency order, present or to be built with the --explain reasons', async () => {
    const before = stagesNow();
    const basePlan = await before.planner.plan('base');
    const libPlan = await before.planner.plan('lib');
    new KeyHistory(before.cacheDir).record('lib', libPlan.keyDocument);

    write('lib/stage.json', { build: { type: 'custom', steps: ['false'] } });
    const statuses = await stageStatuses(stagesNow(), ['lib', 'base'], engineWith([basePlan.tag]));
    expect(statuses.map(({ stage, status }) => [stage, status])).toEqual([
      ['base', 'present'],
      ['lib', 'to-build'],
    ]);
    expect(statuses[1].reasons).toEqual(['the stage definition (stage.json) changed', 'the rendered Dockerfile changed']);
    expect(statusText(statuses)).toBe(
      [`present  base  ${basePlan.tag}`, `to-build lib   ${statuses[1].tag}`, '         - the stage definition (stage.json) changed', '         - the rendered Dockerfile changed', ''].join('\n'),
    );
  });

  it('marks a networked stage with its network, in the text and the JSON', async () => {
    write('lib/stage.json', { build: { type: 'custom', steps: ['true'] }, network: 'host' });
    const statuses = await stageStatuses(stagesNow(), ['base', 'lib'], engineWith([]));
    expect(statuses.map(({ stage, network }) => [stage, network])).toEqual([
      ['base', 'none'],
      ['lib', 'host'],
    ]);
    const [baseLine, , libLine] = statusText(statuses).split('\n');
    expect(baseLine).toBe(`to-build base  ${statuses[0].tag}`);
    expect(libLine).toBe(`to-build lib   ${statuses[1].tag}  (network: host)`);
  });

  it('fails with the engine\'s message when the engine does not answer', async () => {
    const engine = { ensureReachable: async () => Promise.reject(new Error('cannot reach the Docker Engine')), imagesOf: async () => new Map() };
    await expect(stageStatuses(stagesNow(), ['base'], engine)).rejects.toThrow('cannot reach the Docker Engine');
  });

  it('rebuildReasons: no history, a gone image with nothing changed, and a forced build', async () => {
    const plan = await stagesNow().planner.plan('lib');
    expect(rebuildReasons(plan.keyDocument, undefined)).toEqual(['no earlier build of this stage is recorded on this machine']);
    expect(rebuildReasons(plan.keyDocument, plan.keyDocument)).toEqual(['the image of the last build is gone; no input changed']);
    expect(rebuildReasons(plan.keyDocument, plan.keyDocument, true)).toEqual(['forced (--force or STAGECRAFT_FORCE=1)']);
  });

  describe('with equivalence', () => {
    // An engine that can tell equivalent stages: it holds the given tags, and a `ck-` alias for `aliased` stages.
    const equivalenceEngine = (tags: string[], aliased: string[] = []) => ({
      ...engineWith(tags),
      imageIdOf: async (ref: string) => (tags.includes(ref) || aliased.some((stage) => ref.startsWith(`fake-${stage}:ck-`)) ? 'sha256:x' : undefined),
      outputs: {
        facts: async () => ({ id: 'sha256:x', diffIds: [], config: {} }),
        ownFilesystem: async () => ({ entries: new Map(), hidden: new Map() }),
        pathEntries: async (_image: string, paths: string[]) => paths.map((path) => ({ path, entries: [] })),
      },
    });

    it('a missing stage whose upstream is to be built is pending on it; the status says what it waits for', async () => {
      const statuses = await stageStatuses(stagesNow(), ['lib'], equivalenceEngine([]), undefined, undefined, true);
      expect(statuses.map(({ stage, status, pendingOn }) => [stage, status, pendingOn])).toEqual([['lib', 'pending', ['base']]]);
      expect(statusText(statuses).split('\n')[1]).toBe('         - pending base: built, or equivalent if its output comes out unchanged');
    });

    it('a missing stage whose upstreams are there is equivalent when a record names an image for its resolved key', async () => {
      const base = await stagesNow().planner.plan('base');
      const [lib] = await stageStatuses(stagesNow(), ['lib'], equivalenceEngine([base.tag], ['lib']), undefined, undefined, true);
      expect(lib).toMatchObject({ stage: 'lib', status: 'equivalent', ref: expect.stringMatching(/^fake-lib:ck-[0-9a-f]{64}$/) });
      const [unrecorded] = await stageStatuses(stagesNow(), ['lib'], equivalenceEngine([base.tag]), undefined, undefined, true);
      expect(unrecorded.status).toBe('to-build');
    });
  });

  describe('with a registry (a fake look-up)', () => {
    const settings: RegistrySettings = { registry: 'reg.example:5000', push: false, upstreamRegistries: ['up.example'], pullAlways: false };
    const fakeRegistry = (holds: (tag: string) => RemoteHit | undefined, down: string[] = []) => {
      const asked: string[][] = [];
      const registry: Pick<StageRegistry, 'settings' | 'locate'> = {
        settings,
        locate: async (tags, warn) => {
          asked.push(tags);
          for (const prefix of down) warn(`warning: could not check registry ${prefix}: connection refused; going on without it`, prefix);
          const hits = new Map<string, RemoteHit>();
          for (const tag of tags) {
            const hit = holds(tag);
            if (hit) hits.set(tag, hit);
          }
          return { hits, checked: !down.includes(settings.registry) };
        },
      };
      return { registry, asked };
    };
    const hitFor = (tag: string): RemoteHit => ({ registry: settings.registry, ref: tag, upstream: false, digest: 'sha256:d' });

    it('a stage missing locally that the registry holds is remote; only missing tags are asked, in one look-up', async () => {
      const base = await stagesNow().planner.plan('base');
      const { registry, asked } = fakeRegistry((tag) => (tag === base.tag ? undefined : hitFor(tag)));
      const warnings: string[] = [];
      const statuses = await stageStatuses(stagesNow(), ['base', 'lib'], engineWith([base.tag]), registry, (line) => warnings.push(line));
      const lib = statuses[1];
      expect(statuses.map(({ stage, status }) => [stage, status])).toEqual([
        ['base', 'present'],
        ['lib', 'remote'],
      ]);
      expect(asked).toEqual([[lib.tag]]);
      expect(lib).toEqual({ stage: 'lib', tag: lib.tag, status: 'remote', network: 'none', reasons: [], registry: 'reg.example:5000', ref: lib.tag });
      expect(statusText([lib])).toBe(`remote   lib  ${lib.tag}\n         - in registry reg.example:5000: ${lib.tag}\n`);
      expect(warnings).toEqual([]);
    });

    it('asks nothing when every image is local', async () => {
      const stages = stagesNow();
      const tags = await Promise.all(['base', 'lib'].map(async (name) => (await stages.planner.plan(name)).tag));
      const { registry, asked } = fakeRegistry(hitFor);
      const statuses = await stageStatuses(stages, ['base', 'lib'], engineWith(tags), registry);
      expect(statuses.map((status) => status.status)).toEqual(['present', 'present']);
      expect(asked).toEqual([]);
    });

    it('a registry that does not answer: a warning naming it and its setting, and to-build with that reason', async () => {
      const { registry } = fakeRegistry(() => undefined, ['reg.example:5000', 'up.example']);
      const warnings: string[] = [];
      const statuses = await stageStatuses(stagesNow(), ['base'], engineWith([]), registry, (line) => warnings.push(line));
      expect(warnings).toEqual([
        expect.stringMatching(/^warning: could not check registry reg\.example:5000: .*\(configured in nx\.json at the @stagecraft\/nx plugin's options\/registry\); status reports/),
        expect.stringContaining("(configured in nx.json at the @stagecraft/nx plugin's options/upstreamRegistries/0)"),
      ]);
      expect(statuses[0].status).toBe('to-build');
      expect(statuses[0].reasons).toEqual([
        'registry reg.example:5000 could not be checked; docker-stage would build without it',
        'registry up.example could not be checked; docker-stage would build without it',
        'no earlier build of this stage is recorded on this machine',
      ]);
    });
  });

  it('decideStatus: local beats a registry hit, a hit beats building; the reasons are worked out only for a build', () => {
    const hit: RemoteHit = { registry: 'up.example', ref: 'up.example/img-lib:b-k', upstream: true, digest: 'sha256:d' };
    const noReasons = () => {
      throw new Error('reasons asked for a stage that is not built');
    };
    expect(decideStatus('lib', 't', { local: true, hit, unchecked: [], reasons: noReasons }).status).toBe('present');
    expect(decideStatus('lib', 't', { local: false, hit, unchecked: ['reg'], reasons: noReasons })).toEqual({
      stage: 'lib',
      tag: 't',
      status: 'remote',
      reasons: [],
      registry: 'up.example',
      ref: 'up.example/img-lib:b-k',
    });
    expect(decideStatus('lib', 't', { local: false, unchecked: [], reasons: () => ['why'] })).toEqual({ stage: 'lib', tag: 't', status: 'to-build', reasons: ['why'] });
  });

  it('decideStatus says what the run does: a refusal, a stage after a refused one, and force over a local image', () => {
    const facts = { local: true, unchecked: ['reg'], reasons: (forced: boolean) => (forced ? ['forced'] : ['why']) };
    expect(decideStatus('lib', 't', { ...facts, refusal: 'not pinned' })).toMatchObject({ status: 'refused', reasons: ['not pinned'] });
    expect(decideStatus('app', 't', facts, { action: 'skip', upstream: 'lib' })).toMatchObject({
      status: 'skipped',
      reasons: ['not built: upstream stage lib would not build'],
    });
    expect(decideStatus('lib', 't', { ...facts, forced: true })).toMatchObject({ status: 'to-build', reasons: ['forced'] });
  });
});
