import type { ExecutorContext } from '@nx/devkit';
import { runInStageImage } from '../../run/run-in-image';
import { shellJoin } from '../../render/shell';
import { reportFailure } from '../shared/report-failure';
import type { RunExecutorOptions } from './schema';

/**
 * Chrome dockerbuild's `run`: the command runs in the stage's image with the
 * workspace at /work, as the calling user. The task fails when the command
 * does; Nx itself exits 1 for any failed task, so the command's own exit code
 * is printed.
 */
export default async function runExecutor(options: RunExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const project = context.projectName!;
  try {
    const { exitCode, command } = await runInStageImage(options, context);
    if (exitCode !== 0) {
      process.stderr.write(`${project}: ${shellJoin(command)} exited with code ${exitCode}\n`);
      return { success: false };
    }
    return { success: true };
  } catch (error) {
    return reportFailure(project, error);
  }
}
