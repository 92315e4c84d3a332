/** What the scheduler needs to know of each job: its name and the jobs it must wait for. */
export interface Job {
  name: string;
  /** Names of jobs in this same run that must finish successfully first. */
  after: string[];
}

export type JobOutcome<R> = { name: string; result: R } | { name: string; skippedBecause: string };

/**
 * Runs jobs in dependency order with at most `concurrency` at once, yielding
 * each outcome as soon as it is known. A job whose upstream failed (or was
 * skipped) is not run: it is yielded as skipped, naming that upstream, while
 * independent jobs go on.
 */
export async function* runScheduled<R>(
  jobs: Job[],
  concurrency: number,
  run: (name: string) => Promise<R>,
  succeeded: (result: R) => boolean,
): AsyncGenerator<JobOutcome<R>> {
  const names = new Set(jobs.map((job) => job.name));
  const waitingOn = new Map(jobs.map((job) => [job.name, new Set(job.after.filter((n) => names.has(n) && n !== job.name))]));
  const dependents = new Map<string, string[]>();
  for (const job of jobs) {
    for (const upstream of waitingOn.get(job.name)!) {
      dependents.set(upstream, [...(dependents.get(upstream) ?? []), job.name]);
    }
  }

  // Critical path first: among ready jobs, the one with the longest chain of dependents starts first.
  const height = new Map<string, number>();
  const heightOf = (name: string): number => {
    if (!height.has(name)) height.set(name, 1 + Math.max(0, ...(dependents.get(name) ?? []).map(heightOf)));
    return height.get(name)!;
  };
  const byPriority = (a: string, b: string) => heightOf(b) - heightOf(a);
  const ready = jobs.filter((job) => waitingOn.get(job.name)!.size === 0).map((job) => job.name).sort(byPriority);
  const running = new Map<string, Promise<{ name: string; result: R }>>();
  const finished = new Set<string>();
  const pendingOutcomes: Array<JobOutcome<R>> = [];

  const skipDependents = (failed: string) => {
    for (const dependent of dependents.get(failed) ?? []) {
      if (finished.has(dependent)) continue;
      finished.add(dependent);
      waitingOn.delete(dependent);
      pendingOutcomes.push({ name: dependent, skippedBecause: failed });
      skipDependents(dependent);
    }
  };

  while (finished.size < names.size) {
    while (ready.length && running.size < Math.max(1, concurrency)) {
      const name = ready.shift()!;
      if (finished.has(name)) continue;
      running.set(name, run(name).then((result) => ({ name, result })));
    }
    if (running.size === 0) break;
    const { name, result } = await Promise.race(running.values());
    running.delete(name);
    finished.add(name);
    yield { name, result };
    if (succeeded(result)) {
      for (const dependent of dependents.get(name) ?? []) {
        const waiting = waitingOn.get(dependent);
        if (!waiting) continue;
        waiting.delete(name);
        if (waiting.size === 0) {
          ready.push(dependent);
          ready.sort(byPriority);
        }
      }
    } else {
      skipDependents(name);
    }
    while (pendingOutcomes.length) yield pendingOutcomes.shift()!;
  }
}
