import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { isAvailable, type StageOutcome } from '../../report/outcome';
import { packageStages } from '../../package/package-stages';
import { batchParallelism } from '../../ensure/parallelism';
import { runSummary } from '../../report/summary';
import type { BatchTaskResult } from '../../nx-compat/nx-compat';
import { stageTaskResult } from '../shared/stage-task-result';
import type { PackageExecutorOptions } from './schema';

/**
 * Ensures the stage's image (and the images it is built from), then copies the
 * files matching exports.packages out of it, through a container that is
 * created but never started. The output directory holds exactly those files;
 * beside it, a provenance record names the key that made them and each file's sha256.
 */
export default async function packageExecutor(_options: PackageExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const project = context.projectName!;
  let success = false;
  for await (const event of packageStages(context, [project])) {
    if (event.project === project) success = isAvailable(event.outcome.status);
  }
  return { success };
}

/**
 * The batch implementation (preferBatch): the package tasks Nx runs in one
 * process share one scheduler and one bounded pool, and each task's result
 * streams out as soon as its files are copied.
 */
export async function* batchPackage(
  taskGraph: TaskGraph,
  _inputs: Record<string, PackageExecutorOptions>,
  _overrides: PackageExecutorOptions,
  context: ExecutorContext,
): AsyncGenerator<BatchTaskResult> {
  const taskOf = new Map(Object.values(taskGraph.tasks).map((task) => [task.target.project, task.id]));
  const parallel = batchParallelism(undefined, context.nxJsonConfiguration?.parallel);
  process.stderr.write(`Stagecraft: ${taskOf.size} package task${taskOf.size === 1 ? '' : 's'} in one batch, one scheduler, at most ${parallel} at once\n`);
  const outcomes: StageOutcome[] = [];
  let reported = 0;
  for await (const event of packageStages(context, [...taskOf.keys()], parallel)) {
    outcomes.push(event.outcome);
    const task = taskOf.get(event.project);
    if (!task) continue;
    // Nx ends the batch process as soon as it has the last result, so the summary goes out first.
    if (++reported === taskOf.size) process.stderr.write(`${runSummary(outcomes)}\n`);
    yield stageTaskResult(task, event);
  }
}
