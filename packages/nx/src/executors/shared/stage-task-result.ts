import { batchTaskResult, type BatchTaskResult } from '../../nx-compat/nx-compat';
import { isAvailable } from '../../report/outcome';
import type { StageRunEvent } from '../../ensure/run-stages';

/** A stage's outcome as its task's result: the stage's own lines, and its own times, so that Nx's durations and critical path are the stages'. */
export function stageTaskResult(task: string, event: StageRunEvent): BatchTaskResult {
  const { outcome } = event;
  const status = isAvailable(outcome.status) ? 'success' : outcome.status === 'skipped' ? 'skipped' : 'failure';
  const terminalOutput = event.output.map((line) => `${line}\n`).join('');
  return batchTaskResult(task, status, terminalOutput, outcome.startTime ?? Date.now(), outcome.endTime ?? Date.now());
}
