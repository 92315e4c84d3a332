/** The declared-tags file (Mesa's conditional-build-image-tags.yml): a YAML mapping of stage names to tags. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';

export class DeclaredTagsError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    problem: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${problem}`);
    this.name = 'DeclaredTagsError';
  }
}

export interface Declaration {
  tag: string;
  /** 1-based line of the stage name in the file. */
  line: number;
}

export interface DeclaredTags {
  /** The file, relative to the workspace root, as configured. */
  file: string;
  /** False when the file does not exist yet: no stage is declared. */
  exists: boolean;
  /** The file's text, '' when it does not exist. */
  text: string;
  /** The parsed document, kept so that updates keep comments and ordering. */
  document: Document;
  declarations: Map<string, Declaration>;
}

/**
 * Every scalar is read as a string (the failsafe schema), so a tag that happens
 * to look like a number stays exactly as written.
 */
export const YAML_SCHEMA = 'failsafe';

export function readDeclaredTags(workspaceRoot: string, file: string): DeclaredTags {
  const path = join(workspaceRoot, file);
  if (!existsSync(path)) return parseDeclaredTags('', file, false);
  return parseDeclaredTags(readFileSync(path, 'utf8'), file, true);
}

/** Parses and checks the file's text; throws DeclaredTagsError naming the file and line of the first problem. */
export function parseDeclaredTags(text: string, file: string, exists = true): DeclaredTags {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { schema: YAML_SCHEMA, lineCounter, prettyErrors: false });
  const lineOf = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  const [firstError] = document.errors;
  if (firstError) {
    throw new DeclaredTagsError(file, lineOf(firstError.pos[0]), `not valid YAML: ${firstError.message.split('\n')[0]}`);
  }
  const declarations = new Map<string, Declaration>();
  const root = document.contents;
  if (root === null || (isScalar(root) && root.value === '')) return { file, exists, text, document, declarations };
  if (!isMap(root)) {
    throw new DeclaredTagsError(file, lineOf(root.range?.[0]), 'expected a mapping of stage names to tags (stage: tag), one per line');
  }
  for (const pair of root.items) {
    const key = pair.key;
    const line = isScalar(key) ? (lineOf(key.range?.[0]) ?? 0) : 0;
    if (!isScalar(key) || typeof key.value !== 'string' || key.value === '') {
      throw new DeclaredTagsError(file, line || undefined, 'every key must be a stage name');
    }
    const value = pair.value;
    if (!isScalar(value) || typeof value.value !== 'string' || value.value === '') {
      throw new DeclaredTagsError(file, line, `stage '${key.value}' must map to a tag string, e.g. ${key.value}: 2026-W47-0123456789abcdef`);
    }
    declarations.set(key.value, { tag: value.value, line });
  }
  return { file, exists, text, document, declarations };
}

/** Fails when the file declares a stage the workspace does not have (a renamed or removed stage). */
export function ensureDeclaredStagesExist(declared: DeclaredTags, stageNames: Iterable<string>): void {
  const known = new Set(stageNames);
  const unknown = [...declared.declarations].filter(([stage]) => !known.has(stage));
  if (!unknown.length) return;
  const [stage, { line }] = unknown[0];
  const others = unknown.length > 1 ? ` (and ${unknown.slice(1).map(([name]) => `'${name}'`).join(', ')})` : '';
  throw new DeclaredTagsError(
    declared.file,
    line,
    `declares stage '${stage}'${others}, but the workspace has no stage of that name: remove the entry or rename it to an existing stage`,
  );
}
