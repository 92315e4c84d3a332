/** What `run` needs to know about the image it is about to run. */
import Docker from 'dockerode';
import { isNotFound } from './images';
import { LABEL_KEY } from './labels';

/** The image's dev.stagecraft.key label ('' when it has none), or undefined when the image is not present. */
export async function stageKeyLabelOf(docker: Docker, ref: string): Promise<string | undefined> {
  try {
    const image = await docker.getImage(ref).inspect();
    return image.Config?.Labels?.[LABEL_KEY] ?? '';
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
