import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyDocument } from '../key/key';

/** The key document of the last build of each stage, kept so --explain can say what changed. */
export class KeyHistory {
  constructor(private readonly cacheDir: string) {}

  /** The last recorded key document; a missing, truncated or garbage record counts as none. */
  last(stage: string): KeyDocument | undefined {
    const file = this.fileOf(stage);
    if (!existsSync(file)) return undefined;
    try {
      const document = JSON.parse(readFileSync(file, 'utf8')) as KeyDocument | null;
      return looksLikeKeyDocument(document) ? document : undefined;
    } catch {
      return undefined;
    }
  }

  record(stage: string, document: KeyDocument): void {
    const file = this.fileOf(stage);
    mkdirSync(join(this.cacheDir, 'keys'), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(document));
    renameSync(temporary, file);
  }

  private fileOf(stage: string): string {
    return join(this.cacheDir, 'keys', `${stage}.json`);
  }
}

function looksLikeKeyDocument(value: unknown): value is KeyDocument {
  if (!value || typeof value !== 'object') return false;
  const document = value as Partial<KeyDocument>;
  return (
    typeof document.keyFormat === 'number' &&
    typeof document.stage === 'string' &&
    Array.isArray(document.context) &&
    Array.isArray(document.inputs) &&
    typeof document.upstream === 'object' &&
    document.upstream !== null
  );
}
