/** What the scheduler needs to know of each job: its name and the jobs it must wait for. */
export interface Job {
  name: string;
  /** Names of jobs in this same run that must finish successfully first. */
  after: string[];
}

/** Why a job was never run. */
export type SkipReason =
  /** An upstream failed, was skipped, or rejected. */
  | { upstreamFailed: string }
  /** Its upstreams wait on each other in a cycle, so none of them can ever start. */
  | { waitsForever: string[] }
  /** The run was cancelled before the job started. */
  | { cancelled: true };

/** Every job of a run ends as exactly one of these: its result, the error it rejected with, or why it never ran. */
export type JobOutcome<R> = { name: string; result: R } | { name: string; error: Error } | { name: string; skipped: SkipReason };

/**
 * Runs jobs in dependency order with at most `concurrency` at once, yielding
 * each outcome as soon as it is known, and one outcome for every job whatever
 * happens. A job whose upstream failed (or was skipped) is not run: it is
 * yielded as skipped, naming that upstream, while independent jobs go on. A
 * job that rejects is a failure like any other. When `signal` aborts, or the
 * caller stops reading, the jobs in flight are aborted through the signal each
 * was given, and the ones not started are skipped as cancelled; closing the
 * generator waits for the jobs in flight to settle.
 */
export async function* runScheduled<R>(
  jobs: Job[],
  concurrency: number,
  run: (name: string, signal: AbortSignal) => Promise<R>,
  succeeded: (result: R) => boolean,
  signal?: AbortSignal,
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
  const heightOf = (name: string, visiting = new Set<string>()): number => {
    if (!height.has(name)) {
      // A cycle never runs; it only must not recurse forever here.
      if (visiting.has(name)) return 0;
      visiting.add(name);
      height.set(name, 1 + Math.max(0, ...(dependents.get(name) ?? []).map((dependent) => heightOf(dependent, visiting))));
      visiting.delete(name);
    }
    return height.get(name)!;
  };
  const byPriority = (a: string, b: string) => heightOf(b) - heightOf(a);
  const ready = jobs.filter((job) => waitingOn.get(job.name)!.size === 0).map((job) => job.name).sort(byPriority);

  const abort = new AbortController();
  const cancelled = new Promise<'cancelled'>((resolve) => {
    const onAbort = () => {
      abort.abort(signal?.reason);
      resolve('cancelled');
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    abort.signal.addEventListener('abort', () => resolve('cancelled'), { once: true });
  });
  const running = new Map<string, Promise<JobOutcome<R>>>();
  const finished = new Set<string>();
  const pendingOutcomes: Array<JobOutcome<R>> = [];
  const skip = (name: string, reason: SkipReason) => {
    finished.add(name);
    waitingOn.delete(name);
    pendingOutcomes.push({ name, skipped: reason });
  };
  const skipDependents = (failed: string) => {
    for (const dependent of dependents.get(failed) ?? []) {
      if (finished.has(dependent)) continue;
      skip(dependent, { upstreamFailed: failed });
      skipDependents(dependent);
    }
  };
  const start = (name: string) => {
    const settled = Promise.resolve()
      .then(() => run(name, abort.signal))
      .then(
        (result): JobOutcome<R> => ({ name, result }),
        (error: unknown): JobOutcome<R> => ({ name, error: error instanceof Error ? error : new Error(String(error)) }),
      );
    running.set(name, settled);
  };

  let closedNormally = false;
  try {
    while (finished.size < names.size) {
      if (abort.signal.aborted) {
        for (const name of names) if (!finished.has(name) && !running.has(name)) skip(name, { cancelled: true });
      } else {
        while (ready.length && running.size < Math.max(1, concurrency)) {
          const name = ready.shift()!;
          if (!finished.has(name)) start(name);
        }
        if (running.size === 0) {
          // Nothing runs and nothing can start: what is left waits on itself.
          for (const name of names) {
            if (!finished.has(name)) skip(name, { waitsForever: [...(waitingOn.get(name) ?? [])].sort() });
          }
        }
      }
      while (pendingOutcomes.length) yield pendingOutcomes.shift()!;
      if (running.size === 0) continue;
      const next = await Promise.race([...running.values(), ...(abort.signal.aborted ? [] : [cancelled])]);
      if (next === 'cancelled') continue;
      running.delete(next.name);
      finished.add(next.name);
      yield next;
      if ('result' in next && succeeded(next.result)) {
        for (const dependent of dependents.get(next.name) ?? []) {
          const waiting = waitingOn.get(dependent);
          if (!waiting) continue;
          waiting.delete(next.name);
          if (waiting.size === 0) {
            ready.push(dependent);
            ready.sort(byPriority);
          }
        }
      } else {
        skipDependents(next.name);
      }
      while (pendingOutcomes.length) yield pendingOutcomes.shift()!;
    }
    closedNormally = true;
  } finally {
    if (!closedNormally) {
      // The caller stopped reading (or a yield threw): nothing may run on unseen.
      abort.abort(new Error('the run was stopped'));
      await Promise.allSettled(running.values());
    }
  }
}
