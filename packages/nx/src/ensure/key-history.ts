import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomically } from '../util/atomic';
import { join } from 'node:path';
import type { KeyDocument } from '../key/key';

const TAGS_KEPT = 3;

/**
 * The key document of the last build of each stage, kept so --explain can say
 * what changed, and the stage's last few tags, whose images BuildKit may take
 * cache from.
 */
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

  /** The stage's earlier tags, newest first. */
  previousTags(stage: string): string[] {
    const file = this.fileOf(stage, '.tags.json');
    try {
      const tags: unknown = JSON.parse(readFileSync(file, 'utf8'));
      return Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === 'string') : [];
    } catch {
      return [];
    }
  }

  record(stage: string, document: KeyDocument, tag?: string): void {
    mkdirSync(join(this.cacheDir, 'keys'), { recursive: true });
    writeFileAtomically(this.fileOf(stage), JSON.stringify(document));
    if (tag) {
      const tags = [tag, ...this.previousTags(stage).filter((t) => t !== tag)].slice(0, TAGS_KEPT);
      writeFileAtomically(this.fileOf(stage, '.tags.json'), JSON.stringify(tags));
    }
  }

  private fileOf(stage: string, extension = '.json'): string {
    return join(this.cacheDir, 'keys', `${stage}${extension}`);
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
