/**
 * The resolved key: a stage's key document with each upstream's key replaced by the output hash
 * of what the stage sees of that upstream. Two stages whose own inputs are the same and whose
 * upstreams produced the same output get the same resolved key (early cut-off). Pure.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../key/key';
import type { StagePlan } from '../key/plan';
import type { StageGraph } from '../stage/graph';
import { OUTPUT_HASH_METHOD } from './output-hash';

/**
 * What a stage sees of an upstream: the whole image (its base, a Dockerfile stage's FROM or
 * COPY --from of any path, packages taken from it), or only its exported paths (a rendered
 * stage's `COPY --from=<upstream> <path> <path>` for each exported path).
 */
export type Observation = 'image' | 'exports';

export function observationOf(graph: StageGraph, stage: string, upstream: string): Observation {
  const definition = graph.stages.get(stage);
  const base = graph.baseOf(stage);
  if (!definition || definition.build.type === 'dockerfile' || definition.consumePackages) return 'image';
  if ('stage' in base && base.stage === upstream) return 'image';
  return definition.depends.includes(upstream) ? 'exports' : 'image';
}

/** The paths a dependent copies from a stage: its exports.copy, or the install prefix. */
export function exportedPaths(plan: StagePlan, prefix: string): string[] {
  return plan.stage.exports.copy.length ? [...plan.stage.exports.copy] : [prefix];
}

/**
 * How an upstream stands in a resolved key: `image:<hash>` or `exports:<hash>` when its output
 * hash is known, else `key:<key>` (correct, only less reuse: Yocto's unihash = taskhash).
 */
export type ObservedUpstream = string;

export function resolvedKeyOf(plan: StagePlan, upstream: Record<string, ObservedUpstream>): string {
  const document = { equivalence: OUTPUT_HASH_METHOD, document: { ...plan.equivalenceDocument, upstream } };
  return createHash('sha256').update(canonicalJson(document)).digest('hex');
}
