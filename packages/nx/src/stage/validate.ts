/** Validation of stage.json documents against schemas/stage.json, with errors a person can act on. */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { readFileSync } from 'fs';
import { join } from 'path';
import { StageError, StageErrors } from './errors';
import type { StageFile } from './types';
import { describeError } from './schema-messages';
import { isPlainObject, lastSegment, resolveRef, type Schema } from './schema-pointers';

export { parseStageJson } from './json-syntax';
export { EXPLAINED_PATTERN_LOCATIONS } from './schema-messages';

/** schemas/stage.json, found from src/stage (ts-jest) and from dist/stage (the published package) alike. */
export const STAGE_SCHEMA_PATH = join(__dirname, '..', '..', 'schemas', 'stage.json');

interface CompiledSchema {
  schema: Schema;
  validate: ValidateFunction;
}

let compiled: CompiledSchema | undefined;

function compiledSchema(): CompiledSchema {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(STAGE_SCHEMA_PATH, 'utf8')) as Schema;
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
    compiled = { schema, validate: ajv.compile(schema) };
  }
  return compiled;
}

/**
 * Checks a parsed stage.json document. Every problem is reported at once, the
 * most specific one for each field: one as a StageError, several as StageErrors.
 */
export function validateStageFile(json: unknown, file: string): StageFile {
  const { schema, validate } = compiledSchema();
  if (validate(json)) return json as StageFile;
  const best = new Map<string, string>();
  for (const finding of [...resolveOneOfErrors(validate.errors ?? [], schema)].sort(bySpecificity)) {
    const { pointer, problem } = finding.described ?? describeError(finding.error, schema);
    if (!best.has(pointer)) best.set(pointer, problem);
  }
  const problems = [...best].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([pointer, problem]) => new StageError(file, pointer, problem));
  throw problems.length === 1 ? problems[0] : new StageErrors(problems);
}

/** An ajv error, or a message already written for it (the oneOf case). */
interface Finding {
  error: ErrorObject;
  described?: { pointer: string; problem: string };
}

const KEYWORD_PRIORITY = [
  'type',
  'additionalProperties',
  'required',
  'enum',
  'oneOf',
  'pattern',
  'minLength',
  'maxLength',
  'uniqueItems',
];

function bySpecificity(a: Finding, b: Finding): number {
  const rank = (f: Finding) => {
    const index = KEYWORD_PRIORITY.indexOf(f.error.keyword);
    return index === -1 ? KEYWORD_PRIORITY.length : index;
  };
  const depth = (f: Finding) => f.error.instancePath.split('/').length;
  return rank(a) - rank(b) || depth(b) - depth(a);
}

/**
 * ajv reports a failed oneOf together with every branch's errors. Keep only the
 * errors of the branch the value was evidently meant for (the only branch whose
 * fields it uses), or else replace them all by one message naming the choices.
 */
function resolveOneOfErrors(errors: ErrorObject[], schema: Schema): Finding[] {
  let findings: Finding[] = errors.map((error) => ({ error }));
  for (const oneOf of errors.filter((e) => e.keyword === 'oneOf')) {
    const at = oneOf.instancePath;
    const isUnder = (f: Finding) => f.error.instancePath === at || f.error.instancePath.startsWith(`${at}/`);
    const branchRefs = (oneOf.schema as Schema[]).map((branch) => String(branch.$ref));
    const isFrom = (f: Finding, refs: string[]) => refs.some((ref) => f.error.schemaPath.startsWith(`${ref}/`));
    const outside = findings.filter((f) => !isUnder(f));
    const inside = findings.filter(isUnder);
    const ownTypeErrors = inside.filter(
      (f) => f.error.instancePath === at && f.error.keyword === 'type' && !isFrom(f, branchRefs),
    );
    if (ownTypeErrors.length) {
      findings = [...outside, ...ownTypeErrors];
      continue;
    }
    const chosen = chooseBranch(oneOf.data, branchRefs, schema);
    if (chosen === undefined) {
      const problem = describeOneOfChoices(at, branchRefs, schema, oneOf.data);
      findings = [...outside, { error: oneOf, described: { pointer: at, problem } }];
      continue;
    }
    const otherBranches = branchRefs.filter((ref) => ref !== chosen);
    findings = [...outside, ...inside.filter((f) => f.error !== oneOf && !isFrom(f, otherBranches))];
  }
  return findings;
}

function chooseBranch(value: unknown, branchRefs: string[], schema: Schema): string | undefined {
  if (!isPlainObject(value)) return undefined;
  const keys = Object.keys(value);
  const used = branchRefs.filter((ref) => {
    const properties = Object.keys((resolveRef(ref, schema).properties as Schema | undefined) ?? {});
    return keys.some((key) => properties.includes(key));
  });
  return used.length === 1 ? used[0] : undefined;
}

function describeOneOfChoices(pointer: string, branchRefs: string[], schema: Schema, value: unknown): string {
  const field = lastSegment(pointer) || 'the document';
  const choices = branchRefs.map((ref) => ((resolveRef(ref, schema).required as string[] | undefined) ?? []).join(' + '));
  const given = isPlainObject(value) ? Object.keys(value) : [];
  const got = given.length ? `got ${given.join(', ')}` : 'got no fields';
  const listed = choices.length > 2 ? `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}` : choices.join(' or ');
  return `${field} needs either ${listed}; ${got}`;
}
