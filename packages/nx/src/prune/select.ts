/** Which of a stage's images prune keeps and which it removes: pure, so it is tested without an Engine. */

/** One local image of the stage, as the Engine lists it. */
export interface StageImage {
  id: string;
  /** The image's tags in the stage's own repository ("acme-zlib:2026-W47-..."). */
  tags: string[];
  /** Its equivalence aliases there ("acme-zlib:ck-<resolved key>"): removed with it, never listed. */
  aliases?: string[];
  /** Seconds since the epoch. */
  created: number;
  size: number;
}

export interface PruneSelection {
  keep: StageImage[];
  remove: StageImage[];
  /** Images that would go but a container uses. */
  inUse: StageImage[];
}

/**
 * Keeps the image with the current tag and the `keep - 1` most recent others
 * (so keep = 1 keeps the current tag only); never removes an image a container uses.
 */
export function selectImages(images: StageImage[], currentTag: string, keep: number, usedIds: ReadonlySet<string>): PruneSelection {
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`keep: expected a whole number of at least 1, got ${keep}`);
  const current = images.filter((image) => image.tags.includes(currentTag));
  const others = images.filter((image) => !image.tags.includes(currentTag)).sort((a, b) => b.created - a.created || (a.id < b.id ? -1 : 1));
  const recent = others.slice(0, keep - 1);
  const older = others.slice(keep - 1);
  return {
    keep: [...current, ...recent],
    remove: older.filter((image) => !usedIds.has(image.id)),
    inUse: older.filter((image) => usedIds.has(image.id)),
  };
}
