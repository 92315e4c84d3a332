/** What the key and the build make of a stage's external images: the digest each is pinned to, and the reference to build from. */
import type { ExternalImageKind } from '../stage/external-images';
import type { Stage } from '../stage/types';
import { pinnedContent, type BasePin } from '../stage/base-pin';
import { ImageRef } from '../registry/reference';

export interface ExternalBase {
  /** The reference as the stage (or defaultBase, or its Dockerfile) writes it. */
  image: string;
  /** How the stage uses it (absent: as its stage.json base). */
  kind?: ExternalImageKind;
  /** What the key holds: the manifest digest, or a local-only image's id; null when nothing pins it. */
  digest: string | null;
  /** The reference a build uses: repository@digest, or the image id; undefined when unpinned. */
  ref?: string;
  /** The pin, when one in the stage's pin file answers this image. */
  pin?: BasePin;
}

/**
 * The stage's external base as the pin file has it. A reference that already
 * names a digest needs no pin; a pin for another image (the stage's `from`
 * changed since the lock) pins nothing.
 */
export function externalBaseOf(stage: Stage, image: string, kind: ExternalImageKind = 'base'): ExternalBase {
  const used = kind === 'base' ? {} : { kind };
  const ref = ImageRef.parse(image);
  if (ref.digest) return { image, ...used, digest: ref.digest, ref: String(ref.withDigest(ref.digest)) };
  const pin = kind === 'base' ? stage.pins?.base : stage.pins?.images?.find((candidate) => candidate.image === image);
  if (!pin || pin.image !== image) return { image, ...used, digest: null };
  return { image, ...used, digest: pinnedContent(pin), ref: pin.digest ? String(ref.withDigest(pin.digest)) : pin.imageId, pin };
}
