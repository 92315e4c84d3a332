/** Where a build takes each pinned external image from: the Engine's copy, the workspace mirror, or the original registry. */
import type { StagePlan } from '../key/plan';
import type { StageEngine } from '../docker/stage-engine';
import { definingFile } from '../stage/definition-files';
import { ImageRef } from '../registry/reference';
import type { ExternalBase } from '../key/external-base';
import { lockCommand } from '../identity/commands';
import type { StageRegistry } from '../registry-policy/stage-registry';

/**
 * The Dockerfile to build: as planned when no image needs another source;
 * else with each image pinned to a local id named by a tag, and each image
 * pinned by registry digest taken from the mirror when the Engine lacks it
 * and a workspace registry is configured (the key is the same either way).
 * The registry is asked through the run's clients, so its answers are counted and asked once.
 */
export async function dockerfileForBuild(
  plan: StagePlan,
  engine: StageEngine,
  registry: Pick<StageRegistry, 'settings' | 'clients'> | undefined,
  mirrorTarget: string,
): Promise<string> {
  const refs = new Map<string, string>();
  for (const image of plan.externalImages) {
    const ref = await buildSource(plan, image, engine, registry, mirrorTarget);
    if (ref !== undefined && ref !== image.ref) refs.set(image.image, ref);
  }
  if (!refs.size) return plan.dockerfile;
  for (const image of plan.externalImages) if (!refs.has(image.image) && image.ref) refs.set(image.image, image.ref);
  return plan.dockerfileWith(refs);
}

async function buildSource(
  plan: StagePlan,
  image: ExternalBase,
  engine: StageEngine,
  registry: Pick<StageRegistry, 'settings' | 'clients'> | undefined,
  mirrorTarget: string,
): Promise<string | undefined> {
  if (image.ref?.startsWith('sha256:')) return localBaseAlias(plan, image.image, image.ref, engine);
  if (!image.ref || !image.digest || !registry) return undefined;
  if (await engine.imageIdOf(image.ref)) return undefined;
  const { baseSource, mirrorRef } = await import('../bases/mirror');
  const mirrored = String(mirrorRef(registry.settings.registry, image.image, image.digest));
  if (await engine.imageIdOf(mirrored)) return mirrored;
  const mirrorCommand = `nx run ${plan.stage.name}:${mirrorTarget}`;
  return baseSource({ image: image.image, digest: image.digest }, image.ref, registry.settings.registry, registry.clients, mirrorCommand);
}

/**
 * A tag for an image pinned by local image id (`<repository>:id-<hex>`, beside
 * the image's own tag): BuildKit reads `FROM sha256:<id>` as an image on Docker
 * Hub, so the build names the image by this tag instead.
 */
async function localBaseAlias(plan: StagePlan, image: string, imageId: string, engine: StageEngine): Promise<string> {
  const alias = String(ImageRef.parse(image).withTag(`id-${imageId.slice('sha256:'.length)}`));
  if ((await engine.imageIdOf(alias)) === imageId) return alias;
  if (!(await engine.imageIdOf(imageId))) {
    throw new Error(
      `the external image '${image}' of ${definingFile(plan.stage)} is pinned to the local image ${imageId}, which this Engine does not have. ` +
        `Load or build that image, or re-pin it with: ${lockCommand(plan.stage.name, true)}`,
    );
  }
  await engine.tag(imageId, alias);
  return alias;
}
