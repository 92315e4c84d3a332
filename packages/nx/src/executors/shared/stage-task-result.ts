import { isAvailable } from '../../report/outcome';
import type { StageRunEvent } from '../../ensure/run-stages';

/** What a batch implementation yields to Nx for one task. */
export interface BatchTaskResult {
  task: string;
  result: { success: boolean; terminalOutput: string; startTime: number; endTime: number; status: 'success' | 'failure' | 'skipped' };
}

/** A stage's outcome as its task's result: the stage's own lines, and its own times, so that Nx's durations and critical path are the stages'. */
export function stageTaskResult(task: string, event: StageRunEvent): BatchTaskResult {
  const success = isAvailable(event.outcome.status);
  return {
    task,
    result: {
      success,
      status: success ? 'success' : event.outcome.status === 'skipped' ? 'skipped' : 'failure',
      terminalOutput: event.output.map((line) => `${line}\n`).join(''),
      startTime: event.outcome.startTime ?? Date.now(),
      endTime: event.outcome.endTime ?? Date.now(),
    },
  };
}
