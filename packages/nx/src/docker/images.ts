/** Looking up and removing local images. */
import Docker from 'dockerode';

/** Every local tag, as the Engine reports it ("name:tag", "127.0.0.1:5000/name:tag"), from one listImages call. */
export async function listLocalTags(docker: Docker): Promise<Set<string>> {
  return new Set((await listLocalImages(docker)).keys());
}

/** Every local tag with the id of its image, from one listImages call. */
export async function listLocalImages(docker: Docker): Promise<Map<string, string>> {
  const images = await docker.listImages();
  const tags = new Map<string, string>();
  for (const image of images) {
    for (const tag of image.RepoTags ?? []) {
      if (tag !== '<none>:<none>') tags.set(tag, image.Id);
    }
  }
  return tags;
}

export async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** Removes each image (a tag untags it; an id removes it), skipping those already gone. */
export async function removeImages(docker: Docker, refs: Iterable<string>, options: { force?: boolean } = {}): Promise<void> {
  for (const ref of refs) {
    try {
      await docker.getImage(ref).remove({ force: options.force ?? false });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: unknown } | null)?.statusCode === 404;
}
