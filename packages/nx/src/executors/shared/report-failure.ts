/**
 * Logs an executor failure as one clear message (the stack only with
 * STAGECRAFT_DEBUG=1) and fails the task. Plain stderr rather than devkit's
 * logger: importing @nx/devkit costs 0.3 s in every task process.
 */
export function reportFailure(project: string, error: unknown): { success: false } {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${project}: ${message}\n`);
  if (process.env['STAGECRAFT_DEBUG'] && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
  return { success: false };
}
