/** A stage's own images in the local Engine, and their removal. */
import { repositoryOf } from '../key/external-base';
import type Docker from 'dockerode';
import { LABEL_KEY, LABEL_STAGE } from '../docker/labels';
import type { StageImage } from './select';

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
    .map((image) => ({
      id: image.Id,
      tags: (image.RepoTags ?? []).filter((tag) => repositoryOf(tag) === repository),
      created: image.Created,
      size: unique.get(image.Id) ?? image.Size,
    }))
    .filter((image) => image.tags.length > 0);
}

/** The ids of the images any container (running or not) was created from. */
export async function imagesUsedByContainers(docker: Docker): Promise<Set<string>> {
  const containers = await docker.listContainers({ all: true });
  return new Set(containers.map((container) => container.ImageID));
}

/**
 * Untags the image's tags in the stage's repository; the Engine deletes the
 * image when no other tag holds it. Returns the bytes freed (0 when it stays).
 */
export async function removeStageImage(docker: Docker, image: StageImage): Promise<number> {
  for (const tag of image.tags) await docker.getImage(tag).remove({ noprune: false });
  try {
    await docker.getImage(image.id).inspect();
    return 0;
  } catch {
    return image.size;
  }
}
