import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { isAvailable, type StageOutcome } from '../../build/ensure-stage';
import { runStages } from '../../build/run-stages';
import type { DockerStageExecutorOptions } from './schema';
import { runSummary } from '../../build/summary';

/** One stage: the same path as a batch of one. */
export default async function dockerStageExecutor(
  options: DockerStageExecutorOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const outcomes: StageOutcome[] = [];
  const forced = new Set(options.force ? [context.projectName!] : []);
  let timelineFiles: string[] | undefined;
  for await (const event of runStages(context, [context.projectName!], { ...options, timeline: true }, forced)) {
    outcomes.push(event.outcome);
    timelineFiles ??= event.timelineFiles;
    if (options.printTag && event.outcome.tag && succeeded(event.outcome)) process.stdout.write(`${event.outcome.tag}\n`);
  }
  process.stderr.write(`${runSummary(outcomes, timelineFiles)}\n`);
  return { success: outcomes.every(succeeded) };
}

/**
 * The batch implementation (preferBatch): one process checks and builds every
 * stage of the batch and streams a result per task as each finishes.
 */
export async function* batchDockerStage(
  taskGraph: TaskGraph,
  inputs: Record<string, DockerStageExecutorOptions>,
  overrides: DockerStageExecutorOptions,
  context: ExecutorContext,
): AsyncGenerator<{ task: string; result: { success: boolean; terminalOutput: string; startTime: number; endTime: number; status: 'success' | 'failure' | 'skipped' } }> {
  const taskOf = new Map(Object.values(taskGraph.tasks).map((task) => [task.target.project, task.id]));
  const projectOf = (taskId: string) => taskGraph.tasks[taskId].target.project;
  const forced = new Set(Object.keys(inputs).filter((taskId) => inputs[taskId].force).map(projectOf));
  const options = {
    parallel: overrides.parallel ?? Object.values(inputs).find((o) => o.parallel)?.parallel,
    printTag: Object.values(inputs).some((o) => o.printTag),
    explain: Object.values(inputs).some((o) => o.explain),
    pull: Object.values(inputs).some((o) => o.pull) || overrides.pull,
    timeline: true,
  };
  const outcomes: StageOutcome[] = [];
  const startTime = Date.now();
  for await (const event of runStages(context, [...taskOf.keys()], options, forced)) {
    outcomes.push(event.outcome);
    if (options.printTag && event.outcome.tag && succeeded(event.outcome)) process.stdout.write(`${event.outcome.tag}\n`);
    // Nx ends the batch process as soon as it has the last result, so the summary goes out first.
    if (outcomes.length === taskOf.size) process.stderr.write(`${runSummary(outcomes, event.timelineFiles)}\n`);
    const status = succeeded(event.outcome) ? 'success' : event.outcome.status === 'skipped' ? 'skipped' : 'failure';
    yield {
      task: taskOf.get(event.project)!,
      result: {
        success: succeeded(event.outcome),
        status,
        terminalOutput: event.output.map((line) => `${line}\n`).join(''),
        startTime,
        endTime: Date.now(),
      },
    };
  }
}

function succeeded(outcome: StageOutcome): boolean {
  return isAvailable(outcome.status);
}
