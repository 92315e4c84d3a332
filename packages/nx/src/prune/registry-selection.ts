/** Which manifests a registry prune deletes: pure, so it is tested without a registry. */

/** One tag in the stage's registry repository and the manifest it names. */
export interface TaggedManifest {
  tag: string;
  digest: string;
  /** Whether the image carries this stage's labels (only such images are ever deleted). */
  ours: boolean;
}

/** A manifest to delete and the tags that go with it. */
export interface ManifestDeletion {
  digest: string;
  tags: string[];
}

/**
 * Deleting a manifest removes every tag naming it, so a digest goes only when
 * every tag naming it is stale and every image under it is this stage's own.
 */
export function manifestsToDelete(stale: TaggedManifest[], kept: TaggedManifest[]): ManifestDeletion[] {
  const spared = new Set(kept.map((entry) => entry.digest));
  for (const entry of stale) if (!entry.ours) spared.add(entry.digest);
  const byDigest = new Map<string, string[]>();
  for (const entry of stale) {
    if (spared.has(entry.digest)) continue;
    byDigest.set(entry.digest, [...(byDigest.get(entry.digest) ?? []), entry.tag]);
  }
  return [...byDigest].map(([digest, tags]) => ({ digest, tags: tags.sort() })).sort((a, b) => (a.tags[0] < b.tags[0] ? -1 : 1));
}
