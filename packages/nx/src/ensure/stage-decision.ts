/**
 * What a run does with each stage, decided in one place from the same facts for the
 * run itself, `docker-stage --dry-run` and `stagecraft status`: so a status never says
 * "present" for a stage the run rebuilds (STAGECRAFT_FORCE, --force) or "to-build" for
 * one the run refuses (an unpinned base, a declared tag that does not match).
 */
import type { RemoteHit } from '../registry-policy/stage-registry';
import type { StageContext } from './stage-context';

/** The facts one stage's decision rests on. */
export interface StageFacts {
  /** Why the run must not build it (an unpinned external base, verifyDeclaredTags), if so. */
  refusal?: string;
  /** Rebuilt whatever is there, without the layer cache (STAGECRAFT_FORCE=1, --force). */
  forced: boolean;
  /** Its tag is in the local image store. */
  local: boolean;
  /** Where a registry holds its tag, when one does. */
  hit?: RemoteHit;
}

/**
 * refuse: fails before any work. skip: an upstream image of the same batch is refused or
 * skipped, so it cannot be built. use-local / use-registry: nothing to build. build: built
 * (where equivalence is on, a build may still turn out equivalent to an earlier image).
 */
export type StageDecision =
  | { action: 'refuse'; message: string }
  | { action: 'skip'; upstream: string }
  | { action: 'use-local' }
  | { action: 'use-registry'; hit: RemoteHit }
  | { action: 'build'; forced: boolean };

/** The decision for one stage: a refusal first, then force, then the local image, then a registry's. */
export function decideStage(facts: StageFacts): StageDecision {
  if (facts.refusal !== undefined) return { action: 'refuse', message: facts.refusal };
  if (facts.forced) return { action: 'build', forced: true };
  if (facts.local) return { action: 'use-local' };
  if (facts.hit) return { action: 'use-registry', hit: facts.hit };
  return { action: 'build', forced: false };
}

/**
 * The decision of every stage of a batch, given in dependency order: as the run's scheduler
 * does, a stage whose image upstream (in the batch) is refused or skipped is skipped.
 */
export function decideBatch(
  ordered: string[],
  imageUpstreamOf: (stage: string) => string[],
  factsOf: (stage: string) => StageFacts,
): Map<string, StageDecision> {
  const decisions = new Map<string, StageDecision>();
  for (const stage of ordered) {
    const blocked = imageUpstreamOf(stage).find((upstream) => ['refuse', 'skip'].includes(decisions.get(upstream)?.action ?? ''));
    decisions.set(stage, blocked === undefined ? decideStage(factsOf(stage)) : { action: 'skip', upstream: blocked });
  }
  return decisions;
}

/** The stages a run forces: every one with STAGECRAFT_FORCE=1, else those given --force. */
export function forcedStages(env: NodeJS.ProcessEnv, forcedProjects: ReadonlySet<string> = new Set()): (stage: string) => boolean {
  const forceAll = env['STAGECRAFT_FORCE'] === '1';
  return (stage) => forceAll || forcedProjects.has(stage);
}

/**
 * The stages the run refuses before any Engine work, with why: an external base no pin names,
 * and (verifyDeclaredTags) a computed tag that contradicts its declaration. A stage that cannot
 * be planned is left out: it fails with the planner's own message.
 */
export async function stageRefusals(stages: Pick<StageContext, 'planner' | 'options' | 'workspaceRoot'>, projects: string[]): Promise<Map<string, string>> {
  const { unpinnedBaseRefusal } = await import('../bases/unpinned');
  const plans = await Promise.all(projects.map((project) => stages.planner.plan(project).catch(() => undefined)));
  const refusals = new Map<string, string>();
  plans.forEach((plan, index) => {
    const refusal = plan && unpinnedBaseRefusal(plan);
    if (refusal) refusals.set(projects[index], refusal);
  });
  if (stages.options.verifyDeclaredTags) {
    const { buildTimeRefusals } = await import('../declared-tags/verify');
    for (const [stage, refusal] of await buildTimeRefusals(stages, projects)) refusals.set(stage, refusal);
  }
  return refusals;
}
