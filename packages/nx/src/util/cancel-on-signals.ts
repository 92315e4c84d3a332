const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * Runs `body` with an AbortSignal that aborts on Ctrl-C (SIGINT) or SIGTERM, so
 * the work in flight stops and every item still gets its answer. Once the body
 * is done, the signal is raised again with its default action, so the process
 * still ends as it was asked to.
 */
export async function* cancelledOnSignals<T>(body: (signal: AbortSignal) => AsyncGenerator<T>): AsyncGenerator<T> {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    received ??= signal;
    controller.abort(new Error(`cancelled by ${signal}`));
  };
  for (const signal of SIGNALS) process.once(signal, onSignal);
  try {
    yield* body(controller.signal);
  } finally {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    if (received) process.kill(process.pid, received);
  }
}
