import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { stageContextFor, type StageContext } from '../../ensure/stage-context';
import { fetchStageSource, sourcesSummary, type FetchOutcome } from '../../fetch/fetch-sources';
import { runScheduled } from '../../ensure/scheduler';
import { batchTaskResult, type BatchTaskResult } from '../../nx-compat/nx-compat';
import { cancelledOnSignals } from '../../util/cancel-on-signals';
import { reportFailure } from '../shared/report-failure';
import type { SourcesExecutorOptions } from './schema';

const DEFAULT_PARALLEL = 4;

/** One stage's source into the store. */
export default async function sourcesExecutor(_options: SourcesExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const name = context.projectName!;
  try {
    const { graph, workspaceRoot, cacheDir, options } = stageContextFor(context, [name]);
    const log = (stage: string, line: string) => process.stderr.write(`${stage}: ${line}\n`);
    const outcome = await fetchStageSource(graph.stages.get(name)!, { workspaceRoot, cacheDir, log, sourcesTarget: options.targetNames.sources });
    report(outcome);
    process.stderr.write(`${sourcesSummary([outcome])}\n`);
    return { success: outcome.status !== 'failed' };
  } catch (error) {
    return reportFailure(name, error);
  }
}

/** Every stage of the batch in one process, a few at once (the scheduler docker-stage uses), with one summary at the end. */
export async function* batchSources(
  taskGraph: TaskGraph,
  inputs: Record<string, SourcesExecutorOptions>,
  overrides: SourcesExecutorOptions,
  context: ExecutorContext,
): AsyncGenerator<BatchTaskResult> {
  const taskOf = new Map(Object.values(taskGraph.tasks).map((task) => [task.target.project, task.id]));
  const parallel = overrides.parallel ?? Object.values(inputs).find((options) => options.parallel)?.parallel ?? DEFAULT_PARALLEL;
  const startTime = Date.now();
  const outcomes: FetchOutcome[] = [];
  for await (const outcome of fetchAll([...taskOf.keys()], parallel, context)) {
    outcomes.push(outcome);
    // Nx ends the batch process as soon as it has the last result, so the summary goes out first.
    if (outcomes.length === taskOf.size) process.stderr.write(`${sourcesSummary(outcomes)}\n`);
    yield batchTaskResult(taskOf.get(outcome.stage)!, outcome.status === 'failed' ? 'failure' : 'success', line(outcome), startTime, Date.now());
  }
}

/** One outcome per stage, whatever happens: a workspace that cannot be read, or a cancelled run, fails the stages it stops. */
async function* fetchAll(stages: string[], parallel: number, context: ExecutorContext): AsyncGenerator<FetchOutcome> {
  let stageContext: StageContext;
  try {
    stageContext = stageContextFor(context, stages);
  } catch (error) {
    for (const stage of stages) yield { stage, status: 'failed', error: (error as Error).message };
    return;
  }
  const { graph, workspaceRoot, cacheDir, options } = stageContext;
  const log = (stage: string, text: string) => process.stderr.write(`${stage}: ${text}\n`);
  const jobs = stages.map((name) => ({ name, after: [] }));
  const sourcesTarget = options.targetNames.sources;
  const fetch = (name: string) => fetchStageSource(graph.stages.get(name)!, { workspaceRoot, cacheDir, log, sourcesTarget });
  const scheduled = cancelledOnSignals((signal) => runScheduled(jobs, parallel, fetch, (outcome) => outcome.status !== 'failed', signal));
  for await (const job of scheduled) {
    if ('result' in job) yield job.result;
    else yield { stage: job.name, status: 'failed', error: 'error' in job ? job.error.message : 'not fetched: the run was cancelled' };
  }
}

function report(outcome: FetchOutcome): void {
  process.stderr.write(line(outcome));
}

function line(outcome: FetchOutcome): string {
  return outcome.status === 'failed' ? `${outcome.stage}: ${outcome.error}\n` : `${outcome.stage}: source ${outcome.status === 'fetched' ? 'fetched' : 'already present'}\n`;
}
