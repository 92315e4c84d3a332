import { batchParallelism, parallelFromArgs } from './parallelism';

describe('batchParallelism', () => {
  it('prefers the executor option, then --parallel, then NX_PARALLEL, then nx.json, then 3', () => {
    expect(batchParallelism(5, 2, { NX_PARALLEL: '4' }, ['nx', 'run-many', '--parallel=7'])).toBe(5);
    expect(batchParallelism(undefined, 2, { NX_PARALLEL: '4' }, ['nx', 'run-many', '--parallel=7'])).toBe(7);
    expect(batchParallelism(undefined, 2, { NX_PARALLEL: '4' }, ['nx', 'run-many'])).toBe(4);
    expect(batchParallelism(undefined, 2, {}, ['nx'])).toBe(2);
    expect(batchParallelism(undefined, undefined, {}, ['nx'])).toBe(3);
  });

  it('reads --parallel N, --parallel=false and a bare --parallel', () => {
    expect(parallelFromArgs(['--parallel', '12'])).toBe(12);
    expect(parallelFromArgs(['--parallel=false'])).toBe(1);
    expect(parallelFromArgs(['--parallel=', '-t', 'x'])).toBe(3);
    expect(parallelFromArgs(['-t', 'docker-stage'])).toBeUndefined();
  });
});
