/**
 * The equivalence records of this workspace, in its data directory (<cache>/stagecraft/equivalence):
 * the output hashes of each image (by image id, which is its config digest everywhere) and what
 * each stage's last build was resolved against, for --explain. A missing, torn or foreign record
 * reads as none: a record is only ever a shortcut.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../util/atomic';
import { OUTPUT_HASH_METHOD } from './output-hash';

/** An output hash with, for --explain, a short digest of each entry it covered. */
export interface HashedOutput {
  hash: string;
  digests?: Record<string, string>;
}

export interface OutputRecord {
  method: number;
  image?: HashedOutput;
  exports?: HashedOutput & { paths: string[] };
}

/** What a stage's last build here was resolved against. */
export interface ResolvedBuild {
  resolvedKey: string;
  imageId: string;
  /** Each upstream as it stood in the resolved key, and the image it was. */
  upstream: Record<string, { observed: string; imageId?: string }>;
}

/** Keep the per-entry digests of outputs up to this many entries (a debootstrap base has about 20,000). */
const MAX_DIGESTS = 50_000;

export class LocalRecords {
  constructor(private readonly cacheDir: string) {}

  output(imageId: string): OutputRecord | undefined {
    const record = this.read<OutputRecord>(this.outputFile(imageId));
    return record && record.method === OUTPUT_HASH_METHOD ? record : undefined;
  }

  /** Adds what was learned of an image's output to its record. */
  recordOutput(imageId: string, part: Omit<OutputRecord, 'method'>): void {
    const trimmed = (output: HashedOutput | undefined) =>
      output?.digests && Object.keys(output.digests).length > MAX_DIGESTS ? { ...output, digests: undefined } : output;
    const merged: OutputRecord = { ...this.output(imageId), method: OUTPUT_HASH_METHOD };
    if (part.image) merged.image = trimmed(part.image);
    if (part.exports) merged.exports = { ...trimmed(part.exports)!, paths: part.exports.paths };
    this.write(this.outputFile(imageId), merged);
  }

  lastBuild(stage: string): ResolvedBuild | undefined {
    const build = this.read<ResolvedBuild>(join(this.dir(), 'stages', `${stage}.json`));
    return build && typeof build.resolvedKey === 'string' && typeof build.upstream === 'object' ? build : undefined;
  }

  recordBuild(stage: string, build: ResolvedBuild): void {
    this.write(join(this.dir(), 'stages', `${stage}.json`), build);
  }

  private outputFile(imageId: string): string {
    return join(this.dir(), 'outputs', `${imageId.replace(/^sha256:/, '')}.json`);
  }

  private dir(): string {
    return join(this.cacheDir, 'equivalence');
  }

  private read<T>(file: string): T | undefined {
    try {
      const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
      return value && typeof value === 'object' ? (value as T) : undefined;
    } catch {
      return undefined;
    }
  }

  private write(file: string, value: unknown): void {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileAtomically(file, JSON.stringify(value));
  }
}
