/** What the equivalence step finds for a stage: its resolved key, and an image built for it. */

/** A stage's resolved key and how each upstream stood in it. */
export interface Resolution {
  resolvedKey: string;
  upstream: Record<string, Observed>;
}

/** Where an equivalent image was found. */
export interface Equivalent {
  /** The reference the record named (a local `ck-` tag, or the registry's). */
  ref: string;
  imageId?: string;
  digest?: string;
}

/** How an upstream stood in a resolved key (`image:<hash>`, `exports:<hash>` or `key:<key>`), and the image it was. */
export interface Observed {
  observed: string;
  imageId?: string;
}
