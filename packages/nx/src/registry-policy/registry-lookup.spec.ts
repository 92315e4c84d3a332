import type { Planner, StagePlan } from '../key/plan';
import type { StageGraph } from '../stage/graph';
import type { StageEngine } from '../docker/stage-engine';
import { lookUpRegistry } from './registry-lookup';
import { fromRegistry } from './registry-steps';
import type { RemoteHit, StageRegistry } from './stage-registry';
import { RegistryClients } from '../registry/clients';

/** base <- lib <- app (FROM base, COPY --from lib), base <- other. */
const UPSTREAM: Record<string, string[]> = { base: [], lib: ['base'], app: ['base', 'lib'], other: ['base'] };
const tagOf = (stage: string) => `reg.example/acme-${stage}:t`;
const planOf = (stage: string) => ({ tag: tagOf(stage), stage: { name: stage }, imageUpstreamTags: {} }) as unknown as StagePlan;
const planner = { plan: async (stage: string) => planOf(stage) } as unknown as Planner;
const graph = { imageUpstreamOf: (stage: string) => UPSTREAM[stage] } as unknown as StageGraph;

function fakeStore(remote: Record<string, 'workspace' | 'upstream'>, settings: Partial<StageRegistry['settings']> = {}): StageRegistry & { looked: string[][]; copies: string[] } {
  const looked: string[][] = [];
  const copies: string[] = [];
  return {
    looked,
    copies,
    settings: { registry: 'reg.example', push: false, upstreamRegistries: ['up.example'], pullAlways: false, ...settings },
    async locate(tags) {
      looked.push(tags);
      const hits = new Map<string, RemoteHit>();
      for (const tag of tags) {
        const stage = tag.replace(/^.*acme-(\w+):.*$/, '$1');
        const where = remote[stage];
        if (where) hits.set(tag, { registry: where, ref: where === 'upstream' ? tag.replace('reg.example', 'up.example') : tag, upstream: where === 'upstream', digest: 'sha256:d' });
      }
      return { hits, checked: true };
    },
    async copyToWorkspace(hit) {
      copies.push(hit.ref);
    },
    async engineAuth() {
      return undefined;
    },
    clients: new RegistryClients({}),
    requests: () => 0,
    recordsAt() {
      throw new Error('no equivalence records in this fake');
    },
  };
}

const pulled: string[] = [];
const engine = {
  async pull(ref: string) {
    pulled.push(ref);
    return `sha256:${ref.length}`;
  },
  async tag() {},
  async removeImage() {},
} as unknown as StageEngine;

describe('the registry lookup of a batch', () => {
  it('asks once about every missing stage, and needs only the images the builds are made from', async () => {
    const store = fakeStore({ base: 'workspace', lib: 'workspace', other: 'workspace' });
    const run = await lookUpRegistry({ store, projects: ['base', 'lib', 'app', 'other'], planner, graph, localImages: new Map(), isForced: () => false, needImages: [], warn: () => undefined });
    expect(store.looked).toEqual([[tagOf('base'), tagOf('lib'), tagOf('app'), tagOf('other')]]);
    expect(['base', 'lib', 'app', 'other'].filter(run.needed)).toEqual(['base', 'lib']);
  });

  it('skips present stages unless pushing, and marks everything needed with pull: always', async () => {
    const local = new Map([[tagOf('base'), 'sha256:b']]);
    const quiet = fakeStore({});
    await lookUpRegistry({ store: quiet, projects: ['base', 'lib'], planner, graph, localImages: local, isForced: () => false, needImages: [], warn: () => undefined });
    expect(quiet.looked).toEqual([[tagOf('lib')]]);
    const pushing = fakeStore({ lib: 'workspace' }, { push: true, pullAlways: true });
    const run = await lookUpRegistry({ store: pushing, projects: ['base', 'lib'], planner, graph, localImages: local, isForced: () => false, needImages: [], warn: () => undefined });
    expect(pushing.looked).toEqual([[tagOf('base'), tagOf('lib')]]);
    expect(run.needed('lib')).toBe(true);
  });

  it('leaves a stage remote, pulls a needed one, copies from an upstream when pushing', async () => {
    const store = fakeStore({ base: 'upstream', lib: 'workspace', other: 'upstream' }, { push: true });
    const run = await lookUpRegistry({ store, projects: ['base', 'lib', 'other'], planner, graph, localImages: new Map(), isForced: () => false, needImages: ['lib'], warn: () => undefined });
    const log = () => undefined;
    expect(await fromRegistry(planOf('other'), run, engine, log)).toEqual({ status: 'copied', digest: 'sha256:d' });
    expect(store.copies).toEqual(['up.example/acme-other:t']);
    expect(await fromRegistry(planOf('lib'), run, engine, log)).toMatchObject({ status: 'pulled', imageId: expect.any(String) });
    expect(pulled).toEqual([tagOf('lib')]);
    expect(await fromRegistry(planOf('app'), run, engine, log)).toBeUndefined();
  });
});
