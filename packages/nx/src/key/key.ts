import { createHash } from 'node:crypto';
import type { HashedFile } from './files';

/** Bump when the key document's meaning changes: every tag changes with it. */
export const KEY_FORMAT = 1;

/** The one canonical document that lists every input of a stage. Its sha256 is the stage's key. */
export interface KeyDocument {
  keyFormat: number;
  stage: string;
  platform: string;
  /** The stage definition as loaded, without checkout paths. */
  definition: Record<string, unknown>;
  /** The Dockerfile rendered with upstream images as `<stage:NAME>` placeholders. */
  dockerfile: string;
  /** Generated build-context files (e.g. an aggregate's manifest), by path. */
  generated: Record<string, string>;
  /** Every file of the build context (paths as they appear in the context). */
  context: HashedFile[];
  /** In git-commit hash mode on a clean tree: the git tree id that stands in for `context`. */
  contextTree: string | null;
  /** Declared dependency files (inputs), workspace-relative. */
  inputs: HashedFile[];
  /** Values of the declared host environment variables; null when unset. */
  env: Record<string, string | null>;
  /** What identifies the source besides the context: an archive's sha256 or a git commit. */
  source: Record<string, string> | null;
  /** Keys of the upstream stages, by name: this makes the keys a Merkle chain. */
  upstream: Record<string, string>;
  bucket: string;
  /**
   * An external base: the reference as written and the content it is pinned to
   * (a manifest digest, or a local-only image's id); null digest when unpinned,
   * which no build accepts.
   */
  base?: { image: string; digest: string | null };
  /** A Dockerfile stage's external images (FROM, COPY --from, RUN --mount=from, `# syntax`): each as written, with what it is pinned to (null: unpinned). */
  images?: Record<string, string | null>;
}

/** JSON with object keys sorted at every level and no whitespace: the same document always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function keyOf(document: KeyDocument): string {
  return createHash('sha256').update(canonicalJson(document)).digest('hex');
}
