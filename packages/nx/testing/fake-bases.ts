import { createHash } from 'node:crypto';
import type { BasePin } from '../src/stage/base-pin';

/**
 * Stands in for resolveBase in unit specs of generators, so they never reach a
 * registry: "missing:*" cannot be resolved, "local/*" is a local-only image
 * (pinned to an image id), every other image gets a digest made from its name.
 */
export async function fakeResolveBase(image: string): Promise<BasePin> {
  const hash = `sha256:${createHash('sha256').update(image).digest('hex')}`;
  if (image.startsWith('missing:')) {
    throw new Error(`cannot resolve the external base '${image}': registry docker.io has no library/missing, and the local Docker Engine has no image of that name`);
  }
  return image.startsWith('local/') ? { image, imageId: hash } : { image, digest: hash };
}

/** The digest fakeResolveBase pins an image to. */
export function fakeDigest(image: string): string {
  return `sha256:${createHash('sha256').update(image).digest('hex')}`;
}
