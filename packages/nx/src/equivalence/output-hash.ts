/**
 * The output hash: what a stage's image holds, entry by entry, without times or owner names,
 * so two builds that produced the same files give the same hash (Yocto's outhash). Pure: the
 * Engine side (docker/image-output.ts) turns tar headers and content digests into entries.
 */
import { createHash, type Hash } from 'node:crypto';
import { canonicalJson } from '../key/key';
import { LABEL_KEY, LABEL_KEY_FORMAT, LABEL_REV, LABEL_STAGE } from '../docker/labels';

/** Bump when what the hash covers changes: every record made with another method counts as missing. */
export const OUTPUT_HASH_METHOD = 1;

export type EntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'character-device' | 'block-device' | 'fifo';

/** One file-system entry of a layer or a path, as the output hash sees it. */
export interface OutputEntry {
  /** Absolute, no trailing slash ("/usr/local/lib"). */
  path: string;
  type: EntryType;
  /** Permission and special bits (07777). */
  mode: number;
  uid: number;
  gid: number;
  /** Regular files only. */
  size?: number;
  /** Symbolic and hard links: where they point (a hard link's target as an absolute path). */
  link?: string;
  /** Device files only. */
  devmajor?: number;
  devminor?: number;
  /** Regular files only: the sha256 of the content. */
  sha256?: string;
  /** Extended attributes (security.capability and the like), when the layer carries any. */
  xattrs?: Record<string, string>;
}

/** What a whiteout in a layer hides of the layers below: one path, or a directory's whole content (opaque). */
export interface HiddenPath {
  path: string;
  kind: 'whiteout' | 'opaque';
}

/** The layers of an image above its base, merged as the Engine stacks them. */
export interface OwnFilesystem {
  entries: Map<string, OutputEntry>;
  hidden: Map<string, HiddenPath>;
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';

/** A tar entry name ("./usr/local/", "usr/local") as an absolute path without a trailing slash. */
export function absolutePath(name: string): string {
  const trimmed = name.replace(/^\.?\/+/, '').replace(/\/+$/, '');
  return trimmed === '' || trimmed === '.' ? '/' : `/${trimmed}`;
}

/** A layer entry that is a whiteout: what it hides; undefined for an ordinary entry. */
export function whiteoutOf(path: string): HiddenPath | undefined {
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash) || '/';
  const base = path.slice(slash + 1);
  if (base === OPAQUE_MARKER) return { path: dir, kind: 'opaque' };
  if (base.startsWith(WHITEOUT_PREFIX)) return { path: `${dir === '/' ? '' : dir}/${base.slice(WHITEOUT_PREFIX.length)}`, kind: 'whiteout' };
  return undefined;
}

/**
 * Stacks layers (lowest first), each given as the entries in its tar. Within a layer, its
 * whiteouts apply to the layers below it before its own entries land, as overlay does. A hidden
 * path stays listed even when a later layer puts something there again: what it hid came from
 * the base, and the hash must tell "replaced" from "added".
 */
export function stackLayers(layers: Array<Array<OutputEntry | HiddenPath>>): OwnFilesystem {
  const entries = new Map<string, OutputEntry>();
  const hidden = new Map<string, HiddenPath>();
  for (const layer of layers) {
    for (const item of layer) {
      if (!('kind' in item)) continue;
      const prefix = item.path === '/' ? '/' : `${item.path}/`;
      for (const path of [...entries.keys()]) {
        if (path.startsWith(prefix) || (item.kind === 'whiteout' && path === item.path)) entries.delete(path);
      }
      hidden.set(`${item.kind}:${item.path}`, item);
    }
    for (const item of layer) if (!('kind' in item)) entries.set(item.path, item);
  }
  return { entries, hidden };
}

/** The image config fields a dependent can observe; Stagecraft's own labels (which carry the key) left out. */
export function observableConfig(config: Record<string, unknown> | undefined): Record<string, unknown> {
  const fields = ['Env', 'Entrypoint', 'Cmd', 'WorkingDir', 'User', 'ExposedPorts', 'Volumes', 'Shell', 'Healthcheck', 'OnBuild', 'StopSignal'];
  const observed: Record<string, unknown> = {};
  for (const field of fields) {
    const value = config?.[field];
    if (value !== undefined && value !== null && value !== '') observed[field] = value;
  }
  const labels = Object.entries((config?.['Labels'] as Record<string, string> | null) ?? {}).filter(([name]) => !isStagecraftLabel(name));
  if (labels.length) observed['Labels'] = Object.fromEntries(labels);
  return observed;
}

const OWN_LABELS = new Set([LABEL_STAGE, LABEL_KEY, LABEL_KEY_FORMAT, LABEL_REV]);
const OWN_OCI_LABELS = ['title', 'version', 'revision', 'source', 'created'].map((name) => `org.opencontainers.image.${name}`);

function isStagecraftLabel(name: string): boolean {
  return OWN_LABELS.has(name) || name.startsWith('dev.stagecraft.') || OWN_OCI_LABELS.includes(name);
}

/**
 * The whole image as a dependent built on it sees it: what its base is (the base's own output
 * hash, an external base's digest, or none), its own layers' entries and hidden paths in path
 * order, and the observable config.
 */
export function imageOutputHash(input: { base: string; own: OwnFilesystem; config: Record<string, unknown> | undefined }): string {
  const hash = createHash('sha256');
  line(hash, ['stagecraft-output', OUTPUT_HASH_METHOD, 'image']);
  line(hash, ['base', input.base]);
  line(hash, ['config', canonicalJson(observableConfig(input.config))]);
  for (const entry of sortedEntries(input.own.entries.values())) line(hash, entryFields(entry));
  const hidden = [...input.own.hidden.values()].sort((a, b) => compare(a.path, b.path) || compare(a.kind, b.kind));
  for (const item of hidden) line(hash, [item.kind, item.path]);
  return hash.digest('hex');
}

/**
 * What a dependent that copies the exported paths (`COPY --from=<stage> <path> <path>`) sees:
 * each path's entries in the image as it stands (base included), or that the path is absent.
 */
export function exportsOutputHash(paths: Array<{ path: string; entries: OutputEntry[] | undefined }>): string {
  const hash = createHash('sha256');
  line(hash, ['stagecraft-output', OUTPUT_HASH_METHOD, 'exports']);
  for (const { path, entries } of [...paths].sort((a, b) => compare(a.path, b.path))) {
    line(hash, ['path', path, entries ? 'present' : 'absent']);
    for (const entry of sortedEntries(entries ?? [])) line(hash, entryFields(entry));
  }
  return hash.digest('hex');
}

/** One short digest per entry, by path: kept with a record so --explain can name the files two outputs differ in. */
export function entryDigests(entries: Iterable<OutputEntry>): Record<string, string> {
  const digests: Record<string, string> = {};
  for (const entry of sortedEntries(entries)) digests[entry.path] = createHash('sha256').update(JSON.stringify(entryFields(entry))).digest('hex').slice(0, 16);
  return digests;
}

/** The paths whose entries differ between two digest lists (added, removed or changed), in path order. */
export function differingPaths(before: Record<string, string>, after: Record<string, string>): string[] {
  const paths = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...paths].filter((path) => before[path] !== after[path]).sort(compare);
}

function entryFields(entry: OutputEntry): unknown[] {
  return [
    entry.path,
    entry.type,
    entry.mode,
    entry.uid,
    entry.gid,
    entry.size ?? null,
    entry.link ?? null,
    entry.devmajor ?? null,
    entry.devminor ?? null,
    entry.sha256 ?? null,
    entry.xattrs ? canonicalJson(entry.xattrs) : null,
  ];
}

function sortedEntries(entries: Iterable<OutputEntry>): OutputEntry[] {
  return [...entries].sort((a, b) => compare(a.path, b.path));
}

function line(hash: Hash, fields: unknown[]): void {
  hash.update(`${JSON.stringify(fields)}\n`);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
