import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { isAvailable, type StageOutcome } from '../../report/outcome';
import { runStages } from '../../ensure/run-stages';
import type { DockerStageExecutorOptions } from './schema';
import { runSummary } from '../../report/summary';
import { dryRunStages } from '../../ensure/stage-status';
import { batchTaskResult, type BatchTaskResult } from '../../nx-compat/nx-compat';
import { stageTaskResult } from '../shared/stage-task-result';

/** One stage: the same path as a batch of one. */
export default async function dockerStageExecutor(
  options: DockerStageExecutorOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const forced = new Set(options.force ? [context.projectName!] : []);
  if (options.dryRun) {
    const [result] = (await dryRunStages(context, [context.projectName!], forced)).values();
    for (const line of result.lines) process.stderr.write(`${line}\n`);
    return { success: result.success };
  }
  const outcomes: StageOutcome[] = [];
  const aggregates = new Set<string>();
  let timelineFiles: string[] | undefined;
  for await (const event of runStages(context, [context.projectName!], { ...options, timeline: true }, forced)) {
    outcomes.push(event.outcome);
    if (event.aggregate) aggregates.add(event.project);
    timelineFiles ??= event.timelineFiles;
    if (options.printTag && event.outcome.tag && succeeded(event.outcome)) process.stdout.write(`${event.outcome.tag}\n`);
  }
  process.stderr.write(`${runSummary(outcomes, aggregates, timelineFiles)}\n`);
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
): AsyncGenerator<BatchTaskResult> {
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
  if (Object.values(inputs).some((o) => o.dryRun)) {
    const startTime = Date.now();
    for (const [project, result] of await dryRunStages(context, [...taskOf.keys()], forced)) {
      for (const line of result.lines) process.stderr.write(`${line}\n`);
      const terminalOutput = result.lines.map((line) => `${line}\n`).join('');
      yield batchTaskResult(taskOf.get(project)!, result.success ? 'success' : 'failure', terminalOutput, startTime, Date.now());
    }
    return;
  }
  const outcomes: StageOutcome[] = [];
  const aggregates = new Set<string>();
  for await (const event of runStages(context, [...taskOf.keys()], options, forced)) {
    outcomes.push(event.outcome);
    if (event.aggregate) aggregates.add(event.project);
    if (options.printTag && event.outcome.tag && succeeded(event.outcome)) process.stdout.write(`${event.outcome.tag}\n`);
    // Nx ends the batch process as soon as it has the last result, so the summary goes out first.
    if (outcomes.length === taskOf.size) process.stderr.write(`${runSummary(outcomes, aggregates, event.timelineFiles)}\n`);
    yield stageTaskResult(taskOf.get(event.project)!, event);
  }
}

function succeeded(outcome: StageOutcome): boolean {
  return isAvailable(outcome.status);
}
