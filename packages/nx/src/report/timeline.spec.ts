import { criticalPath, traceEvents, type TimelineEntry } from './timeline';
import { timelineSvg } from './timeline-svg';

const entries: TimelineEntry[] = [
  { stage: 'base', status: 'present', startMs: 0, endMs: 5, upstream: [] },
  { stage: 'lib-a', status: 'built', startMs: 5, endMs: 2000, upstream: ['base'], tag: 'x-lib-a:1' },
  { stage: 'lib-c', status: 'built', startMs: 5, endMs: 800, upstream: ['base'] },
  { stage: 'lib-b', status: 'failed', startMs: 2000, endMs: 2600, upstream: ['lib-a'], message: 'build of x failed' },
  { stage: 'app', status: 'skipped', startMs: 2600, endMs: 2600, upstream: ['lib-b', 'lib-c'] },
];

describe('timeline', () => {
  it('follows the upstream that finished last back from the stage that ended last', () => {
    expect(criticalPath(entries)).toEqual(['base', 'lib-a', 'lib-b', 'app']);
  });

  it('writes one complete event per stage with its status, a wait before it and a flow from the upstream it waited for', () => {
    const trace = traceEvents(entries, new Date('2026-12-01T00:00:00Z')) as { traceEvents: Record<string, unknown>[] };
    const stages = trace.traceEvents.filter((e) => e.cat === 'stage');
    expect(stages.map((e) => e.name)).toEqual(['base', 'lib-a', 'lib-c', 'lib-b', 'app']);
    expect(stages[1]).toMatchObject({ ph: 'X', ts: 5000, dur: 1995000, args: { status: 'built', criticalPath: true, tag: 'x-lib-a:1' } });
    expect(stages[2]).toMatchObject({ args: { status: 'built', criticalPath: false } });
    expect(trace.traceEvents).toContainEqual(expect.objectContaining({ cat: 'wait', name: 'waiting for lib-a', ts: 0, dur: 2000000, tid: stages[3].tid }));
    const flows = trace.traceEvents.filter((e) => e.cat === 'dependency' && e.id === stages[3].tid);
    expect(flows).toEqual([
      expect.objectContaining({ ph: 's', ts: 2000000, tid: stages[1].tid }),
      expect.objectContaining({ ph: 'f', ts: 2000000, tid: stages[3].tid }),
    ]);
    expect(trace.traceEvents).toContainEqual(expect.objectContaining({ ph: 'M', name: 'thread_name', args: { name: 'lib-b' } }));
  });

  it('draws a row per stage coloured by status, with the critical path outlined', () => {
    const svg = timelineSvg(entries, new Date('2026-12-01T00:00:00Z'));
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    for (const { stage } of entries) expect(svg).toContain(`>${stage}</text>`);
    expect(svg).toContain('<title>lib-b: failed, 0.60 s, critical path</title>');
    expect(svg).toContain('fill="#c62828" stroke="#000000"');
    expect(svg).toContain('<title>lib-c: built, 0.80 s</title>');
    expect(svg).not.toContain('fill="#2e7d32" stroke="#000000" stroke-width="2"><title>lib-c');
  });
});
