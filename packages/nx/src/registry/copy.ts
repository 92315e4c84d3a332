/**
 * Copying an image (a manifest, or an index with its manifests) from one repository to
 * another, in the same registry (blobs mounted) or across registries (blobs streamed).
 * Blobs the target already has are skipped; the tag is written last, so a copy that
 * fails halfway never leaves the tag pointing at an incomplete image.
 */
import type { RegistryClient } from './client';
import { isIndex, type Descriptor } from './media-types';
import { RegistryError } from './errors';

export interface ImageLocation {
  client: RegistryClient;
  repository: string;
  /** A tag or a digest. */
  reference: string;
}

/** Copies the image and returns the digest of its top manifest in the target. */
export async function copyImage(from: ImageLocation, to: ImageLocation): Promise<string> {
  const manifest = await from.client.getManifest(from.repository, from.reference);
  if (!manifest) {
    throw new RegistryError(`registry ${from.client.host} has no ${from.repository}:${from.reference} to copy`, from.client.host, 'not-found', 404);
  }
  const { document, body, info } = manifest;
  const mediaType = info.mediaType || document.mediaType || '';
  if (isIndex(mediaType)) {
    for (const child of document.manifests ?? []) {
      await copyImage({ ...from, reference: child.digest }, { ...to, reference: child.digest });
    }
  } else {
    const blobs = [document.config, ...(document.layers ?? [])].filter((blob): blob is Descriptor => Boolean(blob) && !blob?.urls?.length);
    await Promise.all(blobs.map((blob) => copyBlob(from, to, blob)));
  }
  return to.client.putManifest(to.repository, to.reference, body, mediaType);
}

async function copyBlob(from: ImageLocation, to: ImageLocation, blob: Descriptor): Promise<void> {
  if (await to.client.hasBlob(to.repository, blob.digest)) return;
  if (from.client.host === to.client.host && (await to.client.mountBlob(to.repository, blob.digest, from.repository))) return;
  const content = await from.client.getBlob(from.repository, blob.digest);
  await to.client.putBlob(to.repository, blob.digest, blob.size, content);
}
