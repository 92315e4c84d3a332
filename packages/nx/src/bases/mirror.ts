/**
 * The workspace registry's mirror of external bases: `<registry>/mirror/<original
 * repository>`, by digest. Copies go registry to registry with the manifest bytes
 * as they are, so the digest (and every key) stays the same.
 */
import { copyImage } from '../registry/copy';
import type { RegistryClients } from '../registry/clients';
import { ImageRef, RegistryPrefix } from '../registry/reference';
import type { BasePin } from '../stage/base-pin';

/** Where the mirror keeps an image: `<registry prefix>/mirror/<its repository in its registry>`, by digest. */
export function mirrorRef(registryPrefix: string, image: string, digest: string): ImageRef {
  const name = `mirror/${ImageRef.parse(image).registryRepository}`;
  return ImageRef.parse(RegistryPrefix.parse(registryPrefix).join(name)).withDigest(digest);
}

/** Copies the pinned base into the mirror unless it is there already; says which. */
export async function mirrorBase(pin: BasePin, registryPrefix: string, clients: RegistryClients): Promise<{ ref: string; copied: boolean }> {
  if (!pin.digest) {
    throw new Error(
      `the base '${pin.image}' is pinned to a local image id (${pin.imageId}), not to a registry digest: ` +
        'push it to a registry, then re-pin it with the lock generator before mirroring',
    );
  }
  const source = ImageRef.parse(pin.image).withDigest(pin.digest);
  const target = mirrorRef(registryPrefix, pin.image, pin.digest);
  const ref = String(target);
  if (await clients.headDigest(target)) return { ref, copied: false };
  const digest = await copyImage(
    { client: clients.for(source.registry), repository: source.registryRepository, reference: pin.digest },
    { client: clients.for(target.registry), repository: target.registryRepository, reference: pin.digest },
  );
  if (digest && digest !== pin.digest) throw new Error(`the mirror stored ${pin.image} as ${digest}, not as its pinned ${pin.digest}`);
  return { ref, copied: true };
}

/**
 * Where a build takes a pinned base from: the mirror when it holds the digest,
 * else the original registry when that answers for it. Throws, naming both
 * and the target that mirrors it, when neither has it. Each answer is asked once per run.
 */
export async function baseSource(
  pin: BasePin,
  originalRef: string,
  registryPrefix: string,
  clients: RegistryClients,
  mirrorCommand: string,
): Promise<string> {
  const digest = pin.digest!;
  const mirror = mirrorRef(registryPrefix, pin.image, digest);
  const mirrorAnswer = await clients
    .headDigest(mirror)
    .then((info) => (info ? undefined : `the mirror ${mirror.repository} lacks ${digest}`))
    .catch((error: Error) => error.message);
  if (mirrorAnswer === undefined) return String(mirror);
  const source = ImageRef.parse(pin.image).withDigest(digest);
  const originalAnswer = await clients
    .headDigest(source)
    .then((info) => (info ? undefined : `registry ${source.registry} no longer serves it`))
    .catch((error: Error) => error.message);
  if (originalAnswer === undefined) return originalRef;
  throw new Error(
    `the base ${pin.image} pinned to ${digest} is not available: ${mirrorAnswer}, and ${originalAnswer}. ` +
      `Mirror it where the original registry answers: ${mirrorCommand}`,
  );
}
