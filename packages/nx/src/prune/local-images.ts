/** A stage's own images in the local Engine, and their removal. */
import { ImageRef } from '../registry/reference';
import type Docker from 'dockerode';
import { LABEL_KEY, LABEL_STAGE } from '../docker/labels';
import type { StageImage } from './select';
import { ALIAS_PREFIX } from '../equivalence/registry-records';

/**
 * The images this workspace built for a stage: labelled with the stage's name
 * and its key, and tagged in the stage's repository. An image with neither
 * label, or only tagged elsewhere, is never listed.
 */
export async function listStageImages(docker: Docker, stage: string, repository: string): Promise<StageImage[]> {
  const [listed, usage] = await Promise.all([
    docker.listImages({ filters: JSON.stringify({ label: [`${LABEL_STAGE}=${stage}`, LABEL_KEY] }) }),
    docker.df() as Promise<{ Images?: Array<{ Id: string; Size: number; SharedSize: number }> }>,
  ]);
  // What removing an image frees: its size less the layers other images share.
  const unique = new Map((usage.Images ?? []).map((image) => [image.Id, image.Size - Math.max(image.SharedSize, 0)]));
  return listed
    .map((image) => {
      const own = (image.RepoTags ?? []).filter((tag) => ImageRef.parse(tag).repository === repository);
      const isAlias = (tag: string) => ImageRef.parse(tag).reference.startsWith(ALIAS_PREFIX);
      return { id: image.Id, tags: own.filter((tag) => !isAlias(tag)), aliases: own.filter(isAlias), created: image.Created, size: unique.get(image.Id) ?? image.Size };
    })
    .filter((image) => image.tags.length > 0);
}

/** The ids of the images any container (running or not) was created from. */
export async function imagesUsedByContainers(docker: Docker): Promise<Set<string>> {
  const containers = await docker.listContainers({ all: true });
  return new Set(containers.map((container) => container.ImageID));
}

/**
 * Untags the image's tags (and equivalence aliases) in the stage's repository; the Engine deletes the
 * image when no other tag holds it. Returns the bytes freed (0 when it stays).
 */
export async function removeStageImage(docker: Docker, image: StageImage): Promise<number> {
  for (const tag of [...image.tags, ...(image.aliases ?? [])]) await docker.getImage(tag).remove({ noprune: false });
  try {
    await docker.getImage(image.id).inspect();
    return 0;
  } catch {
    return image.size;
  }
}
