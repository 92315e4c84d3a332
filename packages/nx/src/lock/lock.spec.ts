import type { Stage } from '../stage/types';
import type { SourcePin } from '../stage/pins';
import { planLock } from './lock';
import type { Pinner } from './pinner';

const stage = (name: string, rev: string | undefined, pin?: Partial<SourcePin>): Stage => ({
  name,
  root: `stages/${name}`,
  depends: [],
  build: { type: 'custom' },
  inputs: [],
  env: [],
  exports: { copy: [], packages: [] },
  hashMode: 'content',
  consumePackages: false,
  ...(rev && { source: { git: 'repo', rev } }),
  ...(pin && { pins: { source: { git: 'repo', rev: rev ?? 'main', ref: 'refs/heads/main', commit: 'a'.repeat(40), ...pin } } }),
});

/** A fake remote: every rev resolves to `head`; records how often it was asked. */
function fakePinner(head: string) {
  const asked: string[][] = [];
  const pinner: Pinner<string, SourcePin> = {
    field: 'source',
    request: (s) => (s.source && 'rev' in s.source && s.source.rev !== 'v1.0' ? s.source.rev : undefined),
    answers: (want, pin) => pin.rev === want,
    async resolve(requests) {
      asked.push(requests.map((r) => r.stage.name));
      return requests.map((r) => (r.want === 'gone' ? new Error(`${r.stage.name}: no such branch`) : { git: 'repo', rev: r.want, ref: 'refs/heads/main', commit: head }));
    },
    same: (a, b) => a.commit === b.commit && a.rev === b.rev,
    describe: (pin) => `${pin.rev} -> ${pin.commit.slice(0, 4)}`,
  };
  return { pinner, asked };
}

const context = { workspaceRoot: '/w', options: {} };

describe('planLock', () => {
  it('pins what has no pin, keeps pins that answer their rev, and asks only about those without --update', async () => {
    const { pinner, asked } = fakePinner('b'.repeat(40));
    const { changes, errors } = await planLock([stage('new', 'main'), stage('kept', 'main', {})], context, {}, [pinner]);
    expect(errors).toEqual([]);
    expect(asked).toEqual([['new']]);
    expect(changes).toEqual([
      expect.objectContaining({ stage: 'new', file: 'stages/new/stage.lock.json', moves: ['source: pin main -> bbbb'] }),
    ]);
  });

  it('moves pins the remote moved with --update, and drops pins a stage no longer needs', async () => {
    const { pinner } = fakePinner('b'.repeat(40));
    const { changes } = await planLock([stage('moved', 'main', {}), stage('exact', 'v1.0', {}), stage('same', 'main', { commit: 'b'.repeat(40) })], context, { update: true }, [pinner]);
    expect(changes.map((c) => [c.stage, c.moves, c.after])).toEqual([
      ['moved', ['source: move main -> aaaa => main -> bbbb'], { source: expect.objectContaining({ commit: 'b'.repeat(40) }) }],
      ['exact', ['source: drop pin v1.0 -> aaaa'], undefined],
    ]);
  });

  it('re-pins a stale pin (the rev changed) and collects every error', async () => {
    const { pinner } = fakePinner('b'.repeat(40));
    const { changes, errors } = await planLock([stage('stale', 'release', { rev: 'main' }), stage('bad', 'gone')], context, {}, [pinner]);
    expect(changes[0].moves).toEqual(['source: move main -> aaaa => release -> bbbb']);
    expect(errors.map((e) => e.message)).toEqual(['bad: no such branch']);
  });
});
