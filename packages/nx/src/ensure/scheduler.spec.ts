import { runScheduled, type Job, type JobOutcome } from './scheduler';

async function collect<R>(generator: AsyncGenerator<JobOutcome<R>>): Promise<Array<JobOutcome<R>>> {
  const outcomes: Array<JobOutcome<R>> = [];
  for await (const outcome of generator) outcomes.push(outcome);
  return outcomes;
}

/** Jobs the test finishes by hand, in the order it chooses: no timers, so no order depends on the machine's speed. */
class ManualJobs {
  readonly started: string[] = [];
  readonly signals = new Map<string, AbortSignal>();
  private readonly finishers = new Map<string, { resolve: (ok: boolean) => void; reject: (error: Error) => void }>();
  private readonly waiters: Array<() => void> = [];

  readonly run = (name: string, signal: AbortSignal): Promise<boolean> => {
    this.started.push(name);
    this.signals.set(name, signal);
    const result = new Promise<boolean>((resolve, reject) => this.finishers.set(name, { resolve, reject }));
    this.waiters.splice(0).forEach((wake) => wake());
    return result;
  };

  running(): string[] {
    return [...this.finishers.keys()];
  }

  finish(name: string, ok = true): void {
    this.take(name).resolve(ok);
  }

  reject(name: string, error: Error): void {
    this.take(name).reject(error);
  }

  /** Resolves once `count` jobs have started in all. */
  async startedCount(count: number): Promise<void> {
    while (this.started.length < count) await new Promise<void>((wake) => this.waiters.push(wake));
  }

  private take(name: string) {
    const finisher = this.finishers.get(name);
    if (!finisher) throw new Error(`${name} is not running`);
    this.finishers.delete(name);
    return finisher;
  }
}

const diamond: Job[] = [
  { name: 'base', after: [] },
  { name: 'left', after: ['base'] },
  { name: 'right', after: ['base'] },
  { name: 'top', after: ['left', 'right'] },
];

describe('runScheduled', () => {
  it('starts a job only once its upstreams succeeded, and yields each outcome as it finishes', async () => {
    const jobs = new ManualJobs();
    const generator = runScheduled(diamond, 4, jobs.run, Boolean);
    const first = generator.next();
    await jobs.startedCount(1);
    expect(jobs.running()).toEqual(['base']);
    jobs.finish('base');
    expect((await first).value).toEqual({ name: 'base', result: true });

    const second = generator.next();
    await jobs.startedCount(3);
    expect(jobs.running().sort()).toEqual(['left', 'right']);
    jobs.finish('right');
    expect((await second).value).toEqual({ name: 'right', result: true });
    // top waits for left too.
    expect(jobs.running()).toEqual(['left']);

    const third = generator.next();
    jobs.finish('left');
    expect((await third).value).toEqual({ name: 'left', result: true });
    const fourth = generator.next();
    await jobs.startedCount(4);
    jobs.finish('top');
    expect((await fourth).value).toEqual({ name: 'top', result: true });
    expect((await generator.next()).done).toBe(true);
  });

  it('never runs more than the concurrency at once', async () => {
    const jobs = new ManualJobs();
    const ten: Job[] = Array.from({ length: 10 }, (_, i) => ({ name: `j${i}`, after: [] }));
    const all = collect(runScheduled(ten, 3, jobs.run, Boolean));
    for (let done = 0; done < 10; done++) {
      await jobs.startedCount(Math.min(10, done + 3));
      expect(jobs.running().length).toBe(Math.min(3, 10 - done));
      jobs.finish(jobs.running()[0]);
    }
    expect(await all).toHaveLength(10);
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
        { name: 'top', skipped: { upstreamFailed: 'left' } },
        { name: 'above-top', skipped: { upstreamFailed: 'top' } },
        { name: 'lone', result: true },
      ]),
    );
    expect(outcomes).toHaveLength(6);
  });

  it('ignores upstreams outside the run', async () => {
    const outcomes = await collect(runScheduled([{ name: 'a', after: ['elsewhere'] }], 1, async () => 1, () => true));
    expect(outcomes).toEqual([{ name: 'a', result: 1 }]);
  });

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

describe('runScheduled failure paths: every job gets an outcome', () => {
  it('turns a job that rejects into an error outcome, skips its dependents, and lets the jobs in flight finish', async () => {
    const jobs = new ManualJobs();
    const all = collect(runScheduled([...diamond, { name: 'lone', after: [] }], 2, jobs.run, Boolean));
    await jobs.startedCount(2);
    jobs.finish('base');
    await jobs.startedCount(3);
    // left and lone (or right) are in flight; left rejects while the other still runs.
    const inFlight = jobs.running();
    expect(inFlight).toContain('lone');
    jobs.reject(inFlight.find((name) => name !== 'lone')!, new Error('engine went away'));
    await jobs.startedCount(4);
    for (const name of jobs.running()) jobs.finish(name);
    const outcomes = await all;

    const failed = outcomes.find((o) => 'error' in o)!;
    expect(failed).toEqual({ name: expect.stringMatching(/^(left|right)$/), error: new Error('engine went away') });
    expect(outcomes).toContainEqual({ name: 'top', skipped: { upstreamFailed: failed.name } });
    expect(outcomes).toContainEqual({ name: 'lone', result: true });
    expect(outcomes.map((o) => o.name).sort()).toEqual(['base', 'left', 'lone', 'right', 'top']);
  });

  it('turns a job that throws before returning a promise into an error outcome', async () => {
    const outcomes = await collect(
      runScheduled([{ name: 'a', after: [] }, { name: 'b', after: ['a'] }], 1, (() => {
        throw new Error('no plan');
      }) as () => Promise<boolean>, Boolean),
    );
    expect(outcomes).toEqual([
      { name: 'a', error: new Error('no plan') },
      { name: 'b', skipped: { upstreamFailed: 'a' } },
    ]);
  });

  it('skips jobs that wait for each other in a cycle, naming what each waits for, instead of stopping without an answer', async () => {
    const jobs: Job[] = [
      { name: 'free', after: [] },
      { name: 'x', after: ['y'] },
      { name: 'y', after: ['x'] },
      { name: 'z', after: ['x', 'free'] },
    ];
    const outcomes = await collect(runScheduled(jobs, 2, async () => true, Boolean));
    expect(outcomes).toEqual(
      expect.arrayContaining([
        { name: 'free', result: true },
        { name: 'x', skipped: { waitsForever: ['y'] } },
        { name: 'y', skipped: { waitsForever: ['x'] } },
        { name: 'z', skipped: { waitsForever: ['x'] } },
      ]),
    );
    expect(outcomes).toHaveLength(4);
  });

  it('on abort, aborts the signal of the jobs in flight, skips the ones not started as cancelled, and still yields the jobs in flight', async () => {
    const jobs = new ManualJobs();
    const cancel = new AbortController();
    const chain: Job[] = [
      { name: 'a', after: [] },
      { name: 'b', after: [] },
      { name: 'c', after: ['a'] },
      { name: 'd', after: [] },
    ];
    const all = collect(runScheduled(chain, 2, jobs.run, Boolean, cancel.signal));
    await jobs.startedCount(2);
    const inFlight = jobs.running();
    cancel.abort();
    for (const name of inFlight) {
      expect(jobs.signals.get(name)!.aborted).toBe(true);
      jobs.reject(name, new Error('the build was cancelled'));
    }
    const outcomes = await all;
    expect(jobs.started).toEqual(inFlight);
    expect(outcomes).toHaveLength(4);
    for (const name of inFlight) expect(outcomes).toContainEqual({ name, error: new Error('the build was cancelled') });
    const notStarted = ['a', 'b', 'c', 'd'].filter((name) => !inFlight.includes(name));
    for (const name of notStarted) {
      expect(outcomes).toContainEqual(expect.objectContaining({ name, skipped: expect.anything() }));
    }
  });

  it('when the caller stops reading, aborts the jobs in flight and waits for them before it returns', async () => {
    const jobs = new ManualJobs();
    const generator = runScheduled([{ name: 'quick', after: [] }, { name: 'long', after: [] }], 2, jobs.run, Boolean);
    const first = generator.next();
    await jobs.startedCount(2);
    jobs.finish('quick');
    expect((await first).value).toEqual({ name: 'quick', result: true });

    let returned = false;
    const closing = generator.return(undefined).then(() => (returned = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(jobs.signals.get('long')!.aborted).toBe(true);
    expect(returned).toBe(false);
    jobs.reject('long', new Error('aborted'));
    await closing;
    expect(returned).toBe(true);
  });
});
