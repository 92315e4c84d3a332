/**
 * An external base pinned by the lock generator: the reference as the stage
 * writes it, and what it resolved to. A base the registry serves is pinned to
 * its manifest digest; an image that exists only in the local Engine, to its
 * image id (good on this machine only).
 */
import { StageError } from './errors';

export interface BasePin {
  /** The reference as stage.json's `from` (or the plugin option defaultBase) spells it: "debian:12". */
  image: string;
  /** The manifest digest the registry serves for it. */
  digest?: string;
  /** For an image only the local Engine has: its image id. */
  imageId?: string;
}

const SHA256 = /^sha256:[0-9a-f]{64}$/;
const FIELDS = ['image', 'digest', 'imageId'];

/** Reads an image pin of a pin file (`base`, or an entry of `images` at `pointer`), naming the file and field of any problem. */
export function parseBasePin(value: unknown, file: string, pointer = '/base'): BasePin {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StageError(file, pointer, 'expected an object with image and digest (or imageId)');
  }
  const record = value as Record<string, unknown>;
  for (const field of Object.keys(record)) {
    if (!FIELDS.includes(field)) throw new StageError(file, `${pointer}/${field}`, `unknown field (expected ${FIELDS.join(', ')})`);
  }
  if (typeof record['image'] !== 'string' || !record['image']) throw new StageError(file, `${pointer}/image`, 'expected a non-empty string');
  const hasDigest = record['digest'] !== undefined;
  const hasImageId = record['imageId'] !== undefined;
  if (hasDigest === hasImageId) throw new StageError(file, pointer, 'expected exactly one of digest and imageId');
  const field = hasDigest ? 'digest' : 'imageId';
  if (typeof record[field] !== 'string' || !SHA256.test(record[field] as string)) {
    throw new StageError(file, `${pointer}/${field}`, 'expected sha256: followed by 64 lowercase hexadecimal digits');
  }
  return { image: record['image'], [field]: record[field] as string };
}

/** The pin with its fields in a fixed order, for the pin file. */
export function orderedBasePin(pin: BasePin): BasePin {
  return pin.digest ? { image: pin.image, digest: pin.digest } : { image: pin.image, imageId: pin.imageId };
}

/** What the pin pins the base to: a manifest digest or an image id. */
export function pinnedContent(pin: BasePin): string {
  return pin.digest ?? pin.imageId!;
}

/** One line for a reviewer: "debian:12 -> sha256:1a2b3c4d5e6f". */
export function describeBasePin(pin: BasePin): string {
  return `${pin.image} -> ${pinnedContent(pin).slice(0, 19)}${pin.imageId ? ' (local image id)' : ''}`;
}
