import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FileHashCache } from '../key/hash-cache';
import { Planner } from '../key/plan';
import { buildStageGraph } from '../stage/graph';
import { loadStage } from '../stage/load';
import { resolveOptions } from '../stage/types';
import { KeyHistory } from './key-history';
import { rebuildReasons } from './rebuild-reasons';
import { stageStatuses, statusText } from './stage-status';

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
    localImages: async () => new Map(tags.map((tag) => [tag, 'sha256:x'])),
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

  it('fails with the engine\'s message when the engine does not answer', async () => {
    const engine = { ensureReachable: async () => Promise.reject(new Error('cannot reach the Docker Engine')), localImages: async () => new Map() };
    await expect(stageStatuses(stagesNow(), ['base'], engine)).rejects.toThrow('cannot reach the Docker Engine');
  });

  it('rebuildReasons: no history, a gone image with nothing changed, and a forced build', async () => {
    const plan = await stagesNow().planner.plan('lib');
    expect(rebuildReasons(plan.keyDocument, undefined)).toEqual(['no earlier build of this stage is recorded on this machine']);
    expect(rebuildReasons(plan.keyDocument, plan.keyDocument)).toEqual(['the image of the last build is gone; no input changed']);
    expect(rebuildReasons(plan.keyDocument, plan.keyDocument, true)).toEqual(['forced (--force or STAGECRAFT_FORCE=1)']);
  });
});
