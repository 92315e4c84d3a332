import type { ExecutorContext } from '@nx/devkit';
import { planJson, planText } from '../../key/plan-output';
import { reportFailure } from '../shared/report-failure';
import { stageContextFor } from '../../ensure/stage-context';
import type { StagePlanExecutorOptions } from './schema';

export default async function stagePlanExecutor(
  options: StagePlanExecutorOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  try {
    const { planner, hashCache } = stageContextFor(context, [context.projectName!]);
    const stageName = context.projectName!;
    const plan = await planner.plan(stageName);
    hashCache.save();
    for (const notice of plan.notices) process.stderr.write(`${stageName}: ${notice}\n`);
    process.stdout.write(options.json ? `${JSON.stringify(planJson(plan))}\n` : planText(plan));
    return { success: true };
  } catch (error) {
    return reportFailure(context.projectName!, error);
  }
}
