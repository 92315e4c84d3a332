/** What the key and the build make of a stage's external images: the digest each is pinned to, and the reference to build from. */
import type { ExternalImageKind } from '../stage/external-images';
import type { Stage } from '../stage/types';
import { pinnedContent, type BasePin } from '../stage/base-pin';

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

const DIGEST_SUFFIX = /@(sha256:[0-9a-f]{64})$/;

/** The repository part of a reference: no tag, no digest ("127.0.0.1:5000/up/base:1" -> "127.0.0.1:5000/up/base"). */
export function repositoryOf(image: string): string {
  const name = image.replace(DIGEST_SUFFIX, '');
  const lastSlash = name.lastIndexOf('/');
  const lastColon = name.lastIndexOf(':');
  return lastColon > lastSlash ? name.slice(0, lastColon) : name;
}

/** The digest a reference already names ("debian@sha256:..."), if any. */
export function digestIn(image: string): string | undefined {
  return DIGEST_SUFFIX.exec(image)?.[1];
}

/**
 * The stage's external base as the pin file has it. A reference that already
 * names a digest needs no pin; a pin for another image (the stage's `from`
 * changed since the lock) pins nothing.
 */
export function externalBaseOf(stage: Stage, image: string, kind: ExternalImageKind = 'base'): ExternalBase {
  const used = kind === 'base' ? {} : { kind };
  const written = digestIn(image);
  if (written) return { image, ...used, digest: written, ref: `${repositoryOf(image)}@${written}` };
  const pin = kind === 'base' ? stage.pins?.base : stage.pins?.images?.find((candidate) => candidate.image === image);
  if (!pin || pin.image !== image) return { image, ...used, digest: null };
  return { image, ...used, digest: pinnedContent(pin), ref: pin.digest ? `${repositoryOf(image)}@${pin.digest}` : pin.imageId, pin };
}
