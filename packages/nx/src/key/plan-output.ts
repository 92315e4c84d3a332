import type { StagePlan } from './plan';
import { networkOf } from '../stage/network';

/** A stage plan as one JSON object (stage-plan --json, stagecraft plan --json). */
export function planJson(plan: StagePlan) {
  return {
    stage: plan.stage.name,
    tag: plan.tag,
    key: plan.key,
    bucket: plan.bucket,
    network: networkOf(plan.stage),
    notices: plan.notices,
    keyDocument: plan.keyDocument,
    dockerfile: plan.dockerfile,
  };
}

/** A stage plan for people: tag, key, key document and rendered Dockerfile. */
export function planText(plan: StagePlan): string {
  return [
    `stage: ${plan.stage.name}`,
    `tag:   ${plan.tag}`,
    `key:   ${plan.key}`,
    `network: ${networkOf(plan.stage)}`,
    '',
    '--- key document ---',
    JSON.stringify(plan.keyDocument, null, 2),
    '',
    '--- Dockerfile ---',
    plan.dockerfile.trimEnd(),
    '',
  ].join('\n');
}
