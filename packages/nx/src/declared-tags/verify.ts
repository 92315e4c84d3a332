/** The declared-tags checks executors run when the plugin option verifyDeclaredTags is on. */
import type { Planner } from '../key/plan';
import type { ResolvedOptions } from '../stage/types';
import { checkStageTag, tagCheckFailure } from './check';
import { readDeclaredTags, type DeclaredTags } from './declared-tags-file';

/** The declarations to verify against, or undefined when verifyDeclaredTags is off. */
export function declarationsToVerify(workspaceRoot: string, options: ResolvedOptions): DeclaredTags | undefined {
  return options.verifyDeclaredTags ? readDeclaredTags(workspaceRoot, options.declaredTags) : undefined;
}

/** Why a stage with this computed image reference must not be built, or undefined. */
export function buildTimeRefusal(stage: string, computedImageRef: string, declared: DeclaredTags, options: ResolvedOptions): string | undefined {
  const failure = tagCheckFailure(checkStageTag(stage, computedImageRef, declared), declared, options.requireDeclaredTags ?? false);
  return failure && `refusing to build (verifyDeclaredTags): ${failure}`;
}

/**
 * The build-time check over a run's stages, before the Engine is contacted:
 * each refused stage with the reason. A stage whose plan fails is left to the
 * build, which reports that error.
 */
export async function buildTimeRefusals(
  context: { workspaceRoot: string; options: ResolvedOptions; planner: Planner },
  stages: readonly string[],
): Promise<Map<string, string>> {
  const declared = readDeclaredTags(context.workspaceRoot, context.options.declaredTags);
  const refusals = new Map<string, string>();
  for (const stage of stages) {
    const tag = await context.planner.plan(stage).then((plan) => plan.tag, () => undefined);
    const refusal = tag && buildTimeRefusal(stage, tag, declared, context.options);
    if (refusal) refusals.set(stage, refusal);
  }
  return refusals;
}
