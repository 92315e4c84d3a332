import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { stageContextFor } from '../../ensure/stage-context';
import { fetchStageSource, sourcesSummary, type FetchOutcome } from '../../fetch/fetch-sources';
import { batchTaskResult, type BatchTaskResult } from '../../nx-compat/nx-compat';
import { concurrencyLimit } from '../../util/concurrency';
import { reportFailure } from '../shared/report-failure';
import type { SourcesExecutorOptions } from './schema';

const DEFAULT_PARALLEL = 4;

/** One stage's source into the store. */
export default async function sourcesExecutor(_options: SourcesExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const name = context.projectName!;
  try {
    const { graph, workspaceRoot, cacheDir } = stageContextFor(context, [name]);
    const log = (stage: string, line: string) => process.stderr.write(`${stage}: ${line}\n`);
    const outcome = await fetchStageSource(graph.stages.get(name)!, { workspaceRoot, cacheDir, log });
    report(outcome);
    process.stderr.write(`${sourcesSummary([outcome])}\n`);
    return { success: outcome.status !== 'failed' };
  } catch (error) {
    return reportFailure(name, error);
  }
}

/** Every stage of the batch in one process, a few at once, with one summary at the end. */
export async function* batchSources(
  taskGraph: TaskGraph,
  inputs: Record<string, SourcesExecutorOptions>,
  overrides: SourcesExecutorOptions,
  context: ExecutorContext,
): AsyncGenerator<BatchTaskResult> {
  const taskOf = new Map(Object.values(taskGraph.tasks).map((task) => [task.target.project, task.id]));
  const parallel = overrides.parallel ?? Object.values(inputs).find((options) => options.parallel)?.parallel ?? DEFAULT_PARALLEL;
  const startTime = Date.now();
  const { graph, workspaceRoot, cacheDir } = stageContextFor(context, [...taskOf.keys()]);
  const log = (stage: string, line: string) => process.stderr.write(`${stage}: ${line}\n`);
  const limit = concurrencyLimit(parallel);
  const pending = new Map(
    [...taskOf.keys()].map((name) => [name, limit(() => fetchStageSource(graph.stages.get(name)!, { workspaceRoot, cacheDir, log }))]),
  );
  const outcomes: FetchOutcome[] = [];
  while (pending.size) {
    const outcome = await Promise.race(pending.values());
    pending.delete(outcome.stage);
    outcomes.push(outcome);
    // Nx ends the batch process as soon as it has the last result, so the summary goes out first.
    if (!pending.size) process.stderr.write(`${sourcesSummary(outcomes)}\n`);
    yield batchTaskResult(taskOf.get(outcome.stage)!, outcome.status === 'failed' ? 'failure' : 'success', line(outcome), startTime, Date.now());
  }
}

function report(outcome: FetchOutcome): void {
  process.stderr.write(line(outcome));
}

function line(outcome: FetchOutcome): string {
  return outcome.status === 'failed' ? `${outcome.stage}: ${outcome.error}\n` : `${outcome.stage}: source ${outcome.status === 'fetched' ? 'fetched' : 'already present'}\n`;
}
