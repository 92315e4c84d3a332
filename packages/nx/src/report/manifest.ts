import { mkdirSync } from 'node:fs';
import { writeFileAtomically } from '../util/atomic';
import { join } from 'node:path';
import type { KeyDocument } from '../key/key';

export interface StageManifest {
  stage: string;
  tag: string;
  /** The local image; absent for a stage left in the registry (status remote). */
  imageId?: string;
  /** The manifest digest in the registry, when a registry holds the tag. */
  digest?: string;
  key: string;
  status: 'built' | 'present' | 'remote' | 'pulled' | 'copied' | 'equivalent';
  durationMs: number;
  keyDocument: KeyDocument;
  /** The key with each upstream's key replaced by its output hash, when equivalence is on. */
  resolvedKey?: string;
  /** For an equivalent stage: the image the record for its resolved key named. */
  equivalentTo?: string;
}

export const MANIFEST_DIR = join('dist', 'stagecraft');

/** Writes dist/stagecraft/<stage>.json atomically, so two concurrent runs never leave a torn file. */
export function writeStageManifest(workspaceRoot: string, manifest: StageManifest): string {
  const dir = join(workspaceRoot, MANIFEST_DIR);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${manifest.stage}.json`);
  writeFileAtomically(file, `${JSON.stringify(manifest, null, 2)}\n`);
  return file;
}
