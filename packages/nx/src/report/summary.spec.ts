import { runSummary } from './summary';

describe('runSummary', () => {
  it('lists each stage with its status, time and tag, sorted, after a count per status', () => {
    expect(
      runSummary([
        { stage: 'zlib', status: 'built', durationMs: 12_345, tag: 'x-zlib:2026-W47-0123456789abcdef' },
        { stage: 'base', status: 'present', durationMs: 4, tag: 'x-base:2026-W47-fedcba9876543210' },
        { stage: 'app', status: 'skipped', durationMs: 0 },
        { stage: 'lib', status: 'failed', durationMs: 1500, tag: 'x-lib:2026-W47-aaaaaaaaaaaaaaaa' },
      ]),
    ).toBe(
      [
        'Stagecraft: 4 stages: 1 built, 1 present, 1 failed, 1 skipped',
        '  skipped    0.00s  app',
        '  present    0.00s  base  x-base:2026-W47-fedcba9876543210',
        '  failed     1.50s  lib   x-lib:2026-W47-aaaaaaaaaaaaaaaa',
        '  built      12.3s  zlib  x-zlib:2026-W47-0123456789abcdef',
      ].join('\n'),
    );
  });

  it('ends with the tag of each aggregate stage that is there and how to run it', () => {
    const summary = runSummary(
      [
        { stage: 'final', status: 'built', durationMs: 1900, tag: 'x-final:2026-W47-0123456789abcdef' },
        { stage: 'zlib', status: 'present', durationMs: 3, tag: 'x-zlib:2026-W47-fedcba9876543210' },
      ],
      new Set(['final']),
    );
    expect(summary.split('\n').slice(-2)).toEqual([
      'Final image (final): x-final:2026-W47-0123456789abcdef',
      '  docker run --rm -it --network=none x-final:2026-W47-0123456789abcdef sh',
    ]);
    expect(runSummary([{ stage: 'final', status: 'failed', durationMs: 1, tag: 'x-final:t' }], new Set(['final']))).not.toContain('docker run');
  });

  it('marks a networked stage with its network', () => {
    const summary = runSummary([
      { stage: 'tools', status: 'built', durationMs: 2000, tag: 'x-tools:2026-W47-0123456789abcdef', network: 'host' },
      { stage: 'zlib', status: 'present', durationMs: 3, tag: 'x-zlib:2026-W47-fedcba9876543210' },
    ]);
    expect(summary.split('\n').slice(1)).toEqual([
      '  built      2.00s  tools  x-tools:2026-W47-0123456789abcdef  (network: host)',
      '  present    0.00s  zlib   x-zlib:2026-W47-fedcba9876543210',
    ]);
  });

  it('names the timeline files last', () => {
    const summary = runSummary([{ stage: 'zlib', status: 'built', durationMs: 10 }], new Set(), ['dist/stagecraft/timeline.json', 'dist/stagecraft/timeline.svg']);
    expect(summary.split('\n').at(-1)).toBe('  timeline: dist/stagecraft/timeline.json, dist/stagecraft/timeline.svg');
  });
});
