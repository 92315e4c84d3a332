import { logger } from '@nx/devkit';

/** Logs an executor failure as one clear message (no stack for expected errors) and fails the task. */
export function reportFailure(project: string, error: unknown): { success: false } {
  const message = error instanceof Error ? error.message : String(error);
  logger.error(`${project}: ${message}`);
  if (process.env['STAGECRAFT_DEBUG'] && error instanceof Error) logger.error(error.stack ?? '');
  return { success: false };
}
