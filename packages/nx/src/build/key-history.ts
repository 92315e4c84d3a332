import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyDocument } from '../key/key';

/** The key document of the last build of each stage, kept so --explain can say what changed. */
export class KeyHistory {
  constructor(private readonly cacheDir: string) {}

  last(stage: string): KeyDocument | undefined {
    const file = this.fileOf(stage);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as KeyDocument) : undefined;
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
