/** What an external base's reference means now: the digest its registry serves, or a local-only image's id. */
import type Docker from 'dockerode';
import type { RegistryClients } from '../registry/clients';
import { RegistryError } from '../registry/errors';
import { ImageRef } from '../registry/reference';
import type { BasePin } from '../stage/base-pin';

/**
 * Pins one base: the manifest digest its registry serves for the reference;
 * when the registry does not have it or cannot be reached, the id of the
 * local Engine's image of that name. Throws when neither knows it.
 */
export async function resolveBase(image: string, docker: Docker | undefined, clients: RegistryClients): Promise<BasePin> {
  const { registry, registryRepository: repository, reference } = ImageRef.parse(image);
  let registryAnswer: string;
  try {
    const info = await clients.for(registry).headManifest(repository, reference);
    if (info?.digest) return { image, digest: info.digest };
    registryAnswer = `registry ${registry} has no ${repository}:${reference}`;
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    registryAnswer = error.message;
  }
  const imageId = docker ? await localImageId(docker, image) : undefined;
  if (imageId) return { image, imageId };
  throw new Error(
    `cannot resolve the external base '${image}': ${registryAnswer}, and the local Docker Engine has no image of that name. ` +
      'Fix the reference, push the image to its registry, or load it into the Engine',
  );
}

/** The id of the local image a reference names, or undefined (also when the Engine cannot be reached). */
export async function localImageId(docker: Docker, image: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(image).inspect()).Id;
  } catch {
    return undefined;
  }
}
