/**
 * The equivalence records in the workspace registry, beside the images in each stage's own
 * repository, so that every machine reading the registry reuses them:
 * - `ck-<resolved key>`: a tag on the image built for that resolved key (a manifest copy);
 * - `out<method>-<config hex>` and `exp<method>-<config hex>`: a small OCI manifest with no
 *   layers whose annotations (and config blob) hold the image's output hash, whole image or
 *   exported paths, keyed by the image's config digest (its image id on every Engine).
 * Records are written only where pushing is on, and never overwritten (a stable answer beats a
 * newer one, as in Yocto's hash server). Reading one that is missing, foreign or of another
 * method gives undefined: build.
 */
import { createHash } from 'node:crypto';
import type { RegistryClient } from '../registry/client';
import { OCI_MANIFEST, isIndex, type ManifestDocument } from '../registry/media-types';
import { OUTPUT_HASH_METHOD } from './output-hash';
import type { Observation } from './resolved-key';

export const RECORD_MEDIA_TYPE = 'application/vnd.stagecraft.output-hash.v1+json';
const ANNOTATION = 'dev.stagecraft.output-hash';

export const ALIAS_PREFIX = 'ck-';

export function aliasTagOf(resolvedKey: string): string {
  return `${ALIAS_PREFIX}${resolvedKey}`;
}

export function outputRecordTag(kind: Observation, configDigest: string): string {
  return `${kind === 'image' ? 'out' : 'exp'}${OUTPUT_HASH_METHOD}-${configDigest.replace(/^sha256:/, '')}`;
}

/** Where one stage's records live: a client of the workspace registry and the stage's repository there. */
export interface RecordLocation {
  client: RegistryClient;
  repository: string;
}

/** An image a `ck-` tag names. */
export interface AliasedImage {
  digest: string;
  configDigest?: string;
  body: Buffer;
  mediaType: string;
}

export async function findAlias(at: RecordLocation, resolvedKey: string): Promise<AliasedImage | undefined> {
  const manifest = await at.client.getManifest(at.repository, aliasTagOf(resolvedKey));
  if (!manifest) return undefined;
  return { digest: manifest.info.digest, configDigest: configDigestOf(manifest.document, manifest.info.mediaType), body: manifest.body, mediaType: manifest.info.mediaType };
}

/** Tags the image a reference names as `ck-<resolved key>`, unless that tag exists. */
export async function writeAlias(at: RecordLocation, resolvedKey: string, reference: string): Promise<void> {
  const tag = aliasTagOf(resolvedKey);
  if (await at.client.headManifest(at.repository, tag)) return;
  const manifest = await at.client.getManifest(at.repository, reference);
  if (!manifest) return;
  await at.client.putManifest(at.repository, tag, manifest.body, manifest.info.mediaType);
}

/** The config digest of the image a tag names (undefined for an index or a missing tag). */
export async function configDigestAt(at: RecordLocation, reference: string): Promise<string | undefined> {
  const manifest = await at.client.getManifest(at.repository, reference);
  return manifest ? configDigestOf(manifest.document, manifest.info.mediaType) : undefined;
}

function configDigestOf(document: ManifestDocument, mediaType: string): string | undefined {
  return isIndex(mediaType || document.mediaType) ? undefined : document.config?.digest;
}

export interface RegistryOutput {
  kind: Observation;
  configDigest: string;
  hash: string;
  /** The exported paths an exports hash covers. */
  paths?: string[];
}

export async function readOutputRecord(at: RecordLocation, kind: Observation, configDigest: string): Promise<RegistryOutput | undefined> {
  const manifest = await at.client.getManifest(at.repository, outputRecordTag(kind, configDigest));
  const annotations = manifest?.document.annotations ?? {};
  if (annotations[`${ANNOTATION}.method`] !== String(OUTPUT_HASH_METHOD)) return undefined;
  if (annotations[`${ANNOTATION}.kind`] !== kind || annotations[`${ANNOTATION}.config`] !== configDigest) return undefined;
  const hash = annotations[ANNOTATION];
  if (!/^[0-9a-f]{64}$/.test(hash ?? '')) return undefined;
  const paths = annotations[`${ANNOTATION}.paths`];
  return { kind, configDigest, hash, ...(paths !== undefined ? { paths: paths.split('\n') } : {}) };
}

/** Writes the record unless its tag exists: a record is never overwritten. */
export async function writeOutputRecord(at: RecordLocation, output: RegistryOutput): Promise<void> {
  const tag = outputRecordTag(output.kind, output.configDigest);
  if (await at.client.headManifest(at.repository, tag)) return;
  const annotations: Record<string, string> = {
    [ANNOTATION]: output.hash,
    [`${ANNOTATION}.method`]: String(OUTPUT_HASH_METHOD),
    [`${ANNOTATION}.kind`]: output.kind,
    [`${ANNOTATION}.config`]: output.configDigest,
    ...(output.paths ? { [`${ANNOTATION}.paths`]: output.paths.join('\n') } : {}),
  };
  const config = Buffer.from(JSON.stringify(annotations));
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  if (!(await at.client.hasBlob(at.repository, configDigest))) await at.client.putBlob(at.repository, configDigest, config.length, config);
  const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: RECORD_MEDIA_TYPE, digest: configDigest, size: config.length }, layers: [], annotations };
  await at.client.putManifest(at.repository, tag, Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST);
}

/** Gives the image an alias names the stage's tag too: a manifest copy in the same repository, nothing pulled. */
export async function tagAliasedImage(at: RecordLocation, image: AliasedImage, tag: string): Promise<string> {
  return at.client.putManifest(at.repository, tag, image.body, image.mediaType);
}
