import type Docker from 'dockerode';

/**
 * The legacy builder's layer cache does not look at the platform: a step
 * FROM scratch can be answered by a layer built for another platform (fixed
 * only in later engines), so the image would not match the key that names the
 * platform. Thrown before the image is tagged.
 */
export class PlatformMismatchError extends Error {
  constructor(
    readonly tag: string,
    readonly wanted: string,
    readonly got: string,
  ) {
    super(`the Engine built ${got} for ${tag}, not the platform its key names (${wanted}); nothing was tagged`);
    this.name = 'PlatformMismatchError';
  }
}

/** Throws PlatformMismatchError when the image's os/architecture(/variant) is not the platform asked for. */
export async function requirePlatform(docker: Docker, imageId: string, tag: string, platform: string): Promise<void> {
  const image = (await docker.getImage(imageId).inspect()) as { Os?: string; Architecture?: string; Variant?: string };
  const [os, architecture, variant] = platform.split('/');
  const got = [image.Os, image.Architecture, image.Variant].filter(Boolean).join('/');
  const matches = image.Os === os && image.Architecture === architecture && (!variant || !image.Variant || image.Variant === variant);
  if (!matches) throw new PlatformMismatchError(tag, platform, got);
}

export function isPlatformMismatch(error: unknown): error is PlatformMismatchError {
  return error instanceof Error && error.name === 'PlatformMismatchError';
}
