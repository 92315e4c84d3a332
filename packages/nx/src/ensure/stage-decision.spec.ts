import { decideBatch, decideStage, forcedStages, type StageFacts } from './stage-decision';

const HIT = { registry: 'reg.example', ref: 'reg.example/acme-lib:t', upstream: false, digest: 'sha256:d' };
const nothing: StageFacts = { forced: false, local: false };

describe('decideStage', () => {
  it.each<[string, StageFacts, ReturnType<typeof decideStage>]>([
    ['a refusal, whatever is there', { refusal: 'not pinned', forced: true, local: true, hit: HIT }, { action: 'refuse', message: 'not pinned' }],
    ['force, even over a local image or a registry hit', { forced: true, local: true, hit: HIT }, { action: 'build', forced: true }],
    ['the local image before a registry hit', { forced: false, local: true, hit: HIT }, { action: 'use-local' }],
    ['a registry hit', { forced: false, local: false, hit: HIT }, { action: 'use-registry', hit: HIT }],
    ['a build when nothing has it', nothing, { action: 'build', forced: false }],
  ])('takes %s', (_what, facts, decision) => {
    expect(decideStage(facts)).toEqual(decision);
  });
});

describe('decideBatch', () => {
  // base <- lib <- app, base <- tool; other stands alone.
  const upstream: Record<string, string[]> = { base: [], lib: ['base'], app: ['lib', 'base'], tool: ['base'], other: [] };
  const order = ['base', 'other', 'lib', 'tool', 'app'];

  it('skips every stage after a refused one, as the scheduler does, and decides the rest alone', () => {
    const facts: Record<string, StageFacts> = {
      base: nothing,
      other: { forced: false, local: true },
      lib: { refusal: 'declared tag differs', forced: false, local: true },
      tool: { forced: false, local: false, hit: HIT },
      app: { forced: false, local: true },
    };
    const decisions = decideBatch(order, (stage) => upstream[stage], (stage) => facts[stage]);
    expect(Object.fromEntries(decisions)).toEqual({
      base: { action: 'build', forced: false },
      other: { action: 'use-local' },
      lib: { action: 'refuse', message: 'declared tag differs' },
      tool: { action: 'use-registry', hit: HIT },
      app: { action: 'skip', upstream: 'lib' },
    });
  });

  it('ignores upstreams outside the batch', () => {
    const decisions = decideBatch(['app'], (stage) => upstream[stage], () => ({ forced: false, local: true }));
    expect(decisions.get('app')).toEqual({ action: 'use-local' });
  });
});

describe('forcedStages', () => {
  it('forces every stage with STAGECRAFT_FORCE=1, else the --force ones', () => {
    expect(forcedStages({ STAGECRAFT_FORCE: '1' })('any')).toBe(true);
    const some = forcedStages({ STAGECRAFT_FORCE: '0' }, new Set(['lib']));
    expect([some('lib'), some('app')]).toEqual([true, false]);
  });
});
