import { runScheduled, type Job, type JobOutcome } from './scheduler';

async function collect<R>(generator: AsyncGenerator<JobOutcome<R>>): Promise<Array<JobOutcome<R>>> {
  const outcomes: Array<JobOutcome<R>> = [];
  for await (const outcome of generator) outcomes.push(outcome);
  return outcomes;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runScheduled', () => {
  const diamond: Job[] = [
    { name: 'base', after: [] },
    { name: 'left', after: ['base'] },
    { name: 'right', after: ['base'] },
    { name: 'top', after: ['left', 'right'] },
  ];

  it('runs every job after its upstreams and yields each as it finishes', async () => {
    const started: string[] = [];
    const outcomes = await collect(
      runScheduled(diamond, 4, async (name) => {
        started.push(name);
        await delay(name === 'left' ? 30 : 5);
        return true;
      }, Boolean),
    );
    expect(started[0]).toBe('base');
    expect(started[3]).toBe('top');
    expect(outcomes.map((o) => o.name)).toEqual(['base', 'right', 'left', 'top']);
  });

  it('never runs more than the concurrency at once', async () => {
    const jobs: Job[] = Array.from({ length: 10 }, (_, i) => ({ name: `j${i}`, after: [] }));
    let running = 0;
    let peak = 0;
    await collect(
      runScheduled(jobs, 3, async () => {
        peak = Math.max(peak, ++running);
        await delay(5);
        running--;
        return true;
      }, Boolean),
    );
    expect(peak).toBe(3);
  });

  it('skips the dependents of a failed job, naming it, while independent jobs finish', async () => {
    const jobs: Job[] = [...diamond, { name: 'lone', after: [] }, { name: 'above-top', after: ['top'] }];
    const ran: string[] = [];
    const outcomes = await collect(
      runScheduled(jobs, 2, async (name) => {
        ran.push(name);
        return name !== 'left';
      }, Boolean),
    );
    expect(ran.sort()).toEqual(['base', 'left', 'lone', 'right']);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        { name: 'left', result: false },
        { name: 'top', skippedBecause: 'left' },
        { name: 'above-top', skippedBecause: 'top' },
        { name: 'lone', result: true },
      ]),
    );
    expect(outcomes).toHaveLength(6);
  });

  it('ignores upstreams outside the run', async () => {
    const outcomes = await collect(runScheduled([{ name: 'a', after: ['elsewhere'] }], 1, async () => 1, () => true));
    expect(outcomes).toEqual([{ name: 'a', result: 1 }]);
  });
});

describe('runScheduled priorities', () => {
  it('starts the ready job with the longest chain of dependents first', async () => {
    const jobs: Job[] = [
      { name: 'leaf-a', after: [] },
      { name: 'leaf-b', after: [] },
      { name: 'chain-1', after: [] },
      { name: 'chain-2', after: ['chain-1'] },
      { name: 'chain-3', after: ['chain-2'] },
    ];
    const started: string[] = [];
    await collect(runScheduled(jobs, 1, async (name) => { started.push(name); return true; }, Boolean));
    expect(started[0]).toBe('chain-1');
  });
});
