/** What a declaration holds: the tag part of a stage's image reference, and how it is compared. */
import { TAG_KEY_LENGTH } from '../key/tag';
import { ImageRef } from '../registry/reference';

/** The tag of an image reference: `2026-W47-0123456789abcdef` from `registry:5000/name-stage:2026-W47-0123456789abcdef`. */
export function tagPartOf(imageRef: string): string {
  return ImageRef.parse(imageRef).reference;
}

/** The time bucket of a declared or computed tag (`2026-W47`), '' for a stage that never refreshes. */
export function bucketOf(tag: string): string {
  const cut = tag.length - TAG_KEY_LENGTH - 1;
  return cut > 0 && tag[cut] === '-' ? tag.slice(0, cut) : '';
}

/** True when an image whose key label is `key` is the build a declaration names (the tag carries the key's first 16 hex). */
export function keyMatchesTag(key: string, declaredTag: string): boolean {
  return /^[0-9a-f]{64}$/.test(key) && declaredTag.endsWith(key.slice(0, TAG_KEY_LENGTH)) &&
    (declaredTag.length === TAG_KEY_LENGTH || declaredTag[declaredTag.length - TAG_KEY_LENGTH - 1] === '-');
}
