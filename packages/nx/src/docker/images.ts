/** Looking up local images. */
import Docker from 'dockerode';

/** Every local tag ("name:tag", "127.0.0.1:5000/name:tag", as the Engine reports it) with the id of its image, from one listImages call. */
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

export function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: unknown } | null)?.statusCode === 404;
}
