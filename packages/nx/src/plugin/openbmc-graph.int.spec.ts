import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openbmcPackages, openbmcSeedEdges } from '../../testing/openbmc-catalog';
import { createOpenbmcWorkspace, OPENBMC_FINAL } from '../../testing/openbmc-workspace';
import type { TestWorkspace } from '../../testing/workspace';

const CLOCK = { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' };
const packageNames = openbmcPackages().map((p) => p.stageJson.name!);
const allStages = [...packageNames, 'base', OPENBMC_FINAL].sort();

function planTags(workspace: TestWorkspace): Record<string, string> {
  const run = workspace.nx(['run-many', '-t', 'stage-plan', '--json', '--skip-nx-cache', '--output-style=static'], CLOCK);
  expect(run.stderr + run.stdout).not.toMatch(/Error/);
  expect(run.status).toBe(0);
  const plans = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{"stage":'))
    .map((line) => JSON.parse(line));
  return Object.fromEntries(plans.map((plan) => [plan.stage, plan.tag]));
}

describe('an OpenBMC workspace: 25 packages, a base and a final aggregate', () => {
  let workspace: TestWorkspace;
  let copy: TestWorkspace;

  beforeAll(() => {
    workspace = createOpenbmcWorkspace();
    copy = createOpenbmcWorkspace();
  });
  afterAll(() => {
    workspace.remove();
    copy.remove();
  });

  it('nx show projects lists all 27 stages', () => {
    const run = workspace.nx(['show', 'projects', '--json']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).sort()).toEqual(allStages);
  });

  it("nx graph has exactly the seed's edges, each package's edge to base, and final's edge to every package", () => {
    const run = workspace.nx(['graph', '--file=graph.json']);
    expect(run.status).toBe(0);
    const graph = JSON.parse(readFileSync(join(workspace.root, 'graph.json'), 'utf8')).graph;
    const edges: string[] = Object.entries(graph.dependencies as Record<string, Array<{ target: string }>>)
      .flatMap(([source, deps]) => deps.map((dep) => `${source} -> ${dep.target}`))
      .sort();
    const expected = [
      ...openbmcSeedEdges().map(([source, target]) => `${source} -> ${target}`),
      ...packageNames.map((name) => `${name} -> base`),
      ...packageNames.map((name) => `${OPENBMC_FINAL} -> ${name}`),
    ].sort();
    expect(openbmcSeedEdges()).toHaveLength(22);
    expect(edges).toEqual(expected);
  });

  it('nx run-many -t stage-plan prints a tag for every stage, and a copy at another path gives identical tags', () => {
    const tags = planTags(workspace);
    expect(Object.keys(tags).sort()).toEqual(allStages);
    for (const [stage, tag] of Object.entries(tags)) {
      expect(tag).toMatch(new RegExp(`^openbmc-test-${stage}:2026-W47-[0-9a-f]{16}$`));
    }
    expect(copy.root).not.toEqual(workspace.root);
    expect(planTags(copy)).toEqual(tags);
  });

  it('stage-plan prints the tag, the key document and the rendered Dockerfile as text', () => {
    const run = workspace.nx(['run', 'openbmc-stdplus:stage-plan', '--skip-nx-cache'], CLOCK);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/tag: {3}openbmc-test-openbmc-stdplus:2026-W47-[0-9a-f]{16}/);
    expect(run.stdout).toContain('--- key document ---');
    expect(run.stdout).toContain('"keyFormat": 1');
    expect(run.stdout).toMatch(/--- Dockerfile ---\nFROM openbmc-test-base:2026-W47-[0-9a-f]{16}/);
    expect(run.stdout).toMatch(/COPY --from=openbmc-test-fmtlib-fmt:2026-W47-[0-9a-f]{16} \/usr\/local \/usr\/local/);
  });

  it('stage-plan is cached by Nx: a second run with no change is a cache hit', () => {
    workspace.nx(['run', 'uscilab-cereal:stage-plan'], CLOCK);
    const again = workspace.nx(['run', 'uscilab-cereal:stage-plan'], CLOCK);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/existing outputs match the cache|local cache/i);
  });
});
