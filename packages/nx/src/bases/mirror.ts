/**
 * The workspace registry's mirror of external bases: `<registry>/mirror/<original
 * repository>`, by digest. Copies go registry to registry with the manifest bytes
 * as they are, so the digest (and every key) stays the same.
 */
import { copyImage, parseRegistryRef } from '../registry';
import type { BasePin } from '../stage/base-pin';
import { registryClientFor } from './resolve-base';

/** Where the mirror keeps an image: the workspace registry's host and the repository under its path. */
export function mirrorLocation(registryPrefix: string, image: string): { registry: string; repository: string; name: string } {
  const [registry, ...path] = registryPrefix.replace(/\/+$/, '').split('/');
  const repository = [...path, 'mirror', parseRegistryRef(image).repository].join('/');
  return { registry, repository, name: `${registry}/${repository}` };
}

/** The reference a build pulls the base from the mirror by. */
export function mirrorRef(registryPrefix: string, image: string, digest: string): string {
  return `${mirrorLocation(registryPrefix, image).name}@${digest}`;
}

/** Copies the pinned base into the mirror unless it is there already; says which. */
export async function mirrorBase(pin: BasePin, registryPrefix: string): Promise<{ ref: string; copied: boolean }> {
  if (!pin.digest) {
    throw new Error(
      `the base '${pin.image}' is pinned to a local image id (${pin.imageId}), not to a registry digest: ` +
        'push it to a registry, then re-pin it with the lock generator before mirroring',
    );
  }
  const source = parseRegistryRef(pin.image);
  const target = mirrorLocation(registryPrefix, pin.image);
  const to = { client: registryClientFor(target.registry), repository: target.repository, reference: pin.digest };
  const ref = `${target.name}@${pin.digest}`;
  if (await to.client.headManifest(to.repository, pin.digest)) return { ref, copied: false };
  const from = { client: registryClientFor(source.registry), repository: source.repository, reference: pin.digest };
  const digest = await copyImage(from, to);
  if (digest && digest !== pin.digest) throw new Error(`the mirror stored ${pin.image} as ${digest}, not as its pinned ${pin.digest}`);
  return { ref, copied: true };
}

/**
 * Where a build takes a pinned base from: the mirror when it holds the digest,
 * else the original registry when that answers for it. Throws, naming both
 * and the fix, when neither has it.
 */
export async function baseSource(pin: BasePin, originalRef: string, registryPrefix: string, stage: string): Promise<string> {
  const digest = pin.digest!;
  const mirror = mirrorLocation(registryPrefix, pin.image);
  const mirrorAnswer = await registryClientFor(mirror.registry)
    .headManifest(mirror.repository, digest)
    .then((info) => (info ? undefined : `the mirror ${mirror.name} lacks ${digest}`))
    .catch((error: Error) => error.message);
  if (mirrorAnswer === undefined) return `${mirror.name}@${digest}`;
  const source = parseRegistryRef(pin.image);
  const originalAnswer = await registryClientFor(source.registry)
    .headManifest(source.repository, digest)
    .then((info) => (info ? undefined : `registry ${source.registry} no longer serves it`))
    .catch((error: Error) => error.message);
  if (originalAnswer === undefined) return originalRef;
  throw new Error(
    `the base ${pin.image} pinned to ${digest} is not available: ${mirrorAnswer}, and ${originalAnswer}. ` +
      `Mirror it where the original registry answers: nx run ${stage}:mirror`,
  );
}
