/** Where a build takes its pinned external base from: the Engine's copy, the workspace mirror, or the original registry. */
import type { StagePlan } from '../key/plan';
import type { StageEngine } from '../build/engine';

/**
 * The Dockerfile to build: as planned when the base is local, not by registry
 * digest, or no workspace registry is configured; else with the base taken from
 * the mirror when it holds the digest (the key is the same either way).
 */
export async function dockerfileForBuild(plan: StagePlan, engine: StageEngine, registryPrefix: string | undefined): Promise<string> {
  const base = plan.externalBase;
  if (!base?.ref || !base.digest || !base.ref.includes('@') || !registryPrefix) return plan.dockerfile;
  if (await engine.imageIdOf(base.ref)) return plan.dockerfile;
  const { baseSource, mirrorRef } = await import('./mirror');
  const mirrored = mirrorRef(registryPrefix, base.image, base.digest);
  if (await engine.imageIdOf(mirrored)) return plan.dockerfileFrom(mirrored);
  const ref = await baseSource({ image: base.image, digest: base.digest }, base.ref, registryPrefix, plan.stage.name);
  return ref === base.ref ? plan.dockerfile : plan.dockerfileFrom(ref);
}
