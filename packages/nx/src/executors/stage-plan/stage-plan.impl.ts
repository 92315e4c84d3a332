import type { ExecutorContext } from '@nx/devkit';
import type { StagePlan } from '../../key/plan';
import { reportFailure } from '../shared/report-failure';
import { stageContextFor } from '../../build/stage-context';
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

export function planJson(plan: StagePlan) {
  return {
    stage: plan.stage.name,
    tag: plan.tag,
    key: plan.key,
    bucket: plan.bucket,
    notices: plan.notices,
    keyDocument: plan.keyDocument,
    dockerfile: plan.dockerfile,
  };
}

export function planText(plan: StagePlan): string {
  return [
    `stage: ${plan.stage.name}`,
    `tag:   ${plan.tag}`,
    `key:   ${plan.key}`,
    '',
    '--- key document ---',
    JSON.stringify(plan.keyDocument, null, 2),
    '',
    '--- Dockerfile ---',
    plan.dockerfile.trimEnd(),
    '',
  ].join('\n');
}
