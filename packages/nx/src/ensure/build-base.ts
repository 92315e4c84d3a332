/** Where a build takes its pinned external base from: the Engine's copy, the workspace mirror, or the original registry. */
import type { StagePlan } from '../key/plan';
import type { StageEngine } from '../docker/stage-engine';
import { definingFile } from '../stage/definition-files';
import { repositoryOf } from '../key/external-base';
import { lockCommand } from '../identity/commands';

/**
 * The Dockerfile to build: as planned when the base is local, not by registry
 * digest, or no workspace registry is configured; else with the base taken from
 * the mirror when it holds the digest (the key is the same either way).
 */
export async function dockerfileForBuild(plan: StagePlan, engine: StageEngine, registryPrefix: string | undefined): Promise<string> {
  const base = plan.externalBase;
  if (base?.ref?.startsWith('sha256:')) return plan.dockerfileFrom(await localBaseAlias(plan, base.image, base.ref, engine));
  if (!base?.ref || !base.digest || !registryPrefix) return plan.dockerfile;
  if (await engine.imageIdOf(base.ref)) return plan.dockerfile;
  const { baseSource, mirrorRef } = await import('../bases/mirror');
  const mirrored = mirrorRef(registryPrefix, base.image, base.digest);
  if (await engine.imageIdOf(mirrored)) return plan.dockerfileFrom(mirrored);
  const ref = await baseSource({ image: base.image, digest: base.digest }, base.ref, registryPrefix, plan.stage.name);
  return ref === base.ref ? plan.dockerfile : plan.dockerfileFrom(ref);
}

/**
 * A tag for a base pinned by local image id (`<repository>:id-<hex>`, beside the
 * base's own tag): BuildKit reads `FROM sha256:<id>` as an image on Docker Hub,
 * so the build names the image by this tag instead.
 */
async function localBaseAlias(plan: StagePlan, image: string, imageId: string, engine: StageEngine): Promise<string> {
  const alias = `${repositoryOf(image)}:id-${imageId.slice('sha256:'.length)}`;
  if ((await engine.imageIdOf(alias)) === imageId) return alias;
  if (!(await engine.imageIdOf(imageId))) {
    throw new Error(
      `the external base '${image}' of ${definingFile(plan.stage)} is pinned to the local image ${imageId}, which this Engine does not have. ` +
        `Load or build that image, or re-pin the base with: ${lockCommand(plan.stage.name, true)}`,
    );
  }
  await engine.tag(imageId, alias);
  return alias;
}
