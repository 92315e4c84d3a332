/** Validation of stage.json documents against schemas/stage.json, with errors a person can act on. */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { readFileSync } from 'fs';
import { join } from 'path';
import { StageError } from './errors';
import { describeNameRule } from './names';
import type { StageFile } from './types';
import { editDistance } from './edit-distance';

/** schemas/stage.json, found from src/stage (ts-jest) and from dist/stage (the published package) alike. */
export const STAGE_SCHEMA_PATH = join(__dirname, '..', '..', 'schemas', 'stage.json');

type Schema = Record<string, unknown>;

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

/** Parses stage.json text; a syntax error becomes a StageError with the line and column. */
export function parseStageJson(text: string, file: string): unknown {
  const withoutBom = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return JSON.parse(withoutBom);
  } catch (error) {
    const found = findSyntaxError(withoutBom) ?? { offset: 0, problem: error instanceof Error ? error.message : String(error) };
    const { line, column } = lineAndColumn(withoutBom, found.offset);
    throw new StageError(file, '', `invalid JSON at line ${line}, column ${column}: ${found.problem}`);
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

/**
 * Where JSON.parse gave up, and why: Node's messages do not always give a
 * position, so the text is scanned again by this small recursive-descent reader.
 */
function findSyntaxError(text: string): { offset: number; problem: string } | undefined {
  let at = 0;
  class Stop {
    constructor(readonly offset: number, readonly problem: string) {}
  }
  const describeFound = () => (at >= text.length ? 'the end of the file' : JSON.stringify(text[at]));
  const fail = (expected: string): never => {
    throw new Stop(at, `expected ${expected}, found ${describeFound()}`);
  };
  const skipWhitespace = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at])) at++;
  };
  const take = (char: string, expected: string) => {
    if (text[at] !== char) fail(expected);
    at++;
  };
  const readString = () => {
    at++;
    for (;;) {
      const char = text[at];
      if (char === undefined) fail('a closing "');
      if (char === '"') return void at++;
      if (char < ' ') fail('no control character inside a string (write \\n, \\t ...)');
      if (char === '\\') {
        const escape = /^(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/.exec(text.slice(at + 1, at + 6));
        if (!escape) {
          at++;
          fail('an escape such as \\n, \\" or \\u0041');
        }
        at += 1 + escape![0].length;
      } else at++;
    }
  };
  const readNumber = () => {
    const number = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    number.lastIndex = at;
    if (!number.exec(text)) fail('a number');
    at = number.lastIndex;
  };
  const readMembers = (close: string, readMember: () => void, expectedMember: string) => {
    at++;
    skipWhitespace();
    if (text[at] === close) return void at++;
    for (;;) {
      skipWhitespace();
      readMember();
      skipWhitespace();
      if (text[at] === close) return void at++;
      take(',', `',' or '${close}'`);
      skipWhitespace();
      if (text[at] === close) fail(`${expectedMember} after ',' (JSON allows no trailing comma)`);
    }
  };
  const readValue = (): void => {
    const char = text[at];
    if (char === '{') {
      return readMembers(
        '}',
        () => {
          if (text[at] !== '"') fail('a field name in double quotes');
          readString();
          skipWhitespace();
          take(':', "':'");
          skipWhitespace();
          readValue();
        },
        'a field name',
      );
    }
    if (char === '[') return readMembers(']', readValue, 'a value');
    if (char === '"') return readString();
    if (char === '-' || (char >= '0' && char <= '9')) return readNumber();
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, at)) return void (at += literal.length);
    }
    fail('a value');
  };
  try {
    skipWhitespace();
    readValue();
    skipWhitespace();
    if (at < text.length) fail('the end of the file');
    return undefined;
  } catch (stop) {
    if (stop instanceof Stop) return { offset: stop.offset, problem: stop.problem };
    throw stop;
  }
}

/** Checks a parsed stage.json document; throws the most specific problem as a StageError. */
export function validateStageFile(json: unknown, file: string): StageFile {
  const { schema, validate } = compiledSchema();
  if (validate(json)) return json as StageFile;
  const errors = resolveOneOfErrors(validate.errors ?? [], schema);
  const best = [...errors].sort(bySpecificity)[0];
  const { pointer, problem } = best.described ?? describeError(best.error, schema);
  throw new StageError(file, pointer, problem);
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

function describeError(error: ErrorObject, schema: Schema): { pointer: string; problem: string } {
  const at = error.instancePath;
  const parent = error.parentSchema as Schema;
  switch (error.keyword) {
    case 'type':
      return { pointer: at, problem: `expected ${describeExpected(parent, schema)}, got ${describeType(error.data)}` };
    case 'additionalProperties': {
      const field = String((error.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys((parent.properties as Schema | undefined) ?? {});
      const suggestion = closestName(field, known);
      return {
        pointer: `${at}/${escapePointer(field)}`,
        problem:
          `unknown field '${field}'; ` +
          (suggestion ? `did you mean '${suggestion}'? ` : '') +
          `expected one of: ${known.join(', ')}`,
      };
    }
    case 'required': {
      const field = String((error.params as { missingProperty: string }).missingProperty);
      const fieldSchema = resolve(((parent.properties as Record<string, Schema> | undefined) ?? {})[field] ?? {}, schema);
      const allowed = Array.isArray(fieldSchema.enum) ? `; expected one of: ${fieldSchema.enum.join(', ')}` : '';
      return { pointer: `${at}/${escapePointer(field)}`, problem: `missing required field '${field}'${allowed}` };
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      return { pointer: at, problem: `expected one of: ${allowed.join(', ')}; got ${show(error.data)}` };
    }
    case 'pattern':
      return { pointer: at, problem: describePatternFailure(error.schemaPath, String(error.data)) };
    case 'minLength':
      return { pointer: at, problem: 'must not be empty' };
    case 'maxLength': {
      const limit = (error.params as { limit: number }).limit;
      const rule = error.schemaPath.startsWith('#/definitions/stageName/') ? `${describeNameRule()}; ` : '';
      return { pointer: at, problem: `${rule}is ${String(error.data).length} characters long, the limit is ${limit}` };
    }
    case 'uniqueItems': {
      const { i, j } = error.params as { i: number; j: number };
      const item = (error.data as unknown[])[i];
      return { pointer: `${at}/${i}`, problem: `${show(item)} is listed twice (also at index ${j}); list each item once` };
    }
    default:
      return { pointer: at, problem: error.message ?? `fails the ${error.keyword} rule` };
  }
}

const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const CHARACTER_NAMES: Record<string, string> = {
  '\n': 'a newline',
  '\r': 'a carriage return',
  '\t': 'a tab',
  '\u0000': 'a NUL',
  '\u007f': 'a DEL',
};

/** What each pattern in the schema means, keyed by the schema location of the string it constrains. */
const PATTERN_RULES: Record<string, (value: string) => string> = {
  '#/definitions/text': () => 'must not contain control characters such as a newline',
  '#/definitions/command': () => 'must not contain control characters such as a newline; give each command as its own item',
  '#/definitions/stageName': () => describeNameRule(),
  '#/definitions/imageReference': () =>
    'expected a stage name or an image reference [registry/]path[:tag][@sha256:<64 hex digits>], ' +
    'the path in lowercase letters, digits and separators . _ __ -',
  '#/definitions/archiveSource/properties/url': () => 'expected an http://, https:// or file:// URL without spaces',
  '#/definitions/archiveSource/properties/sha256': (value) =>
    `expected the archive's SHA-256 as 64 lowercase hexadecimal digits` +
    (value.length !== 64 ? ` (this has ${value.length} characters)` : ''),
  '#/definitions/localSource/properties/path': () =>
    "expected a directory relative to the stage, with no '..' segments and no control characters",
  '#/definitions/contextDirectory': () => 'expected a directory relative to the stage directory, such as ..',
  '#/definitions/gitSource/properties/git': () => "expected a repository URL or path without spaces, not starting with '-'",
  '#/definitions/gitSource/properties/rev': () =>
    "expected a tag, commit, semver range or branch without spaces, not starting with '-'",
  '#/definitions/envAssignment': () =>
    'expected NAME=value, where NAME is letters, digits and _ and does not start with a digit',
  '#/definitions/envName': () =>
    'expected an environment variable name: letters, digits and _, not starting with a digit',
  '#/definitions/inputGlob': describeInputGlobFailure,
  '#/definitions/absolutePath': () => 'expected an absolute path inside the image, starting with /',
  '#/definitions/absoluteGlob': () => 'expected an absolute glob inside the image, starting with /',
};

/** The schema locations that PATTERN_RULES explains (the spec checks it covers every pattern). */
export const EXPLAINED_PATTERN_LOCATIONS = Object.keys(PATTERN_RULES);

function describePatternFailure(schemaPath: string, value: string): string {
  const control = CONTROL_CHARACTER.exec(value);
  if (control) {
    const character = control[0];
    const code = `U+${character.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    const name = CHARACTER_NAMES[character] ? `${CHARACTER_NAMES[character]} (${code})` : code;
    return `must not contain control characters such as a newline; found ${name} at character ${control.index + 1}`;
  }
  const location = schemaPath.replace(/\/pattern$/, '');
  const rule = PATTERN_RULES[location]?.(value) ?? 'has an invalid format';
  return `${rule}; got ${show(value)}`;
}

function describeInputGlobFailure(value: string): string {
  const path = value.startsWith('{workspaceRoot}/') ? value.slice('{workspaceRoot}/'.length) : value;
  if (path === '' || path === '{workspaceRoot}') return 'expected a glob after {workspaceRoot}/';
  if (/(^|[/\\])\.\.([/\\]|$)/.test(value)) {
    return (
      "must not contain a '..' segment: inputs stay inside the stage directory, " +
      'or inside the workspace with {workspaceRoot}/'
    );
  }
  if (/^([/\\]|[A-Za-z]:)/.test(path)) {
    return (
      'must be relative to the stage directory, or start with {workspaceRoot}/ to be relative to the workspace root; ' +
      'absolute paths are not allowed'
    );
  }
  return 'expected a glob relative to the stage directory, or starting with {workspaceRoot}/';
}

function describeExpected(subschema: Schema, root: Schema): string {
  const resolved = resolve(subschema, root);
  switch (resolved.type) {
    case 'array': {
      const items = resolved.items ? resolve(resolved.items as Schema, root) : {};
      return items.type ? `an array of ${plural(String(items.type))}` : 'an array';
    }
    case 'object':
      return 'an object';
    case 'boolean':
      return 'true or false';
    case 'string':
      return Array.isArray(resolved.enum) ? `a string, one of: ${resolved.enum.join(', ')}` : 'a string';
    default:
      return `a value of type ${String(resolved.type)}`;
  }
}

const PLURALS: Record<string, string> = { string: 'strings', object: 'objects', boolean: 'booleans', number: 'numbers' };

function plural(type: string): string {
  return PLURALS[type] ?? `${type} values`;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

function resolve(subschema: Schema, root: Schema): Schema {
  return typeof subschema.$ref === 'string' ? resolveRef(subschema.$ref, root) : subschema;
}

/** Resolves a local reference such as #/definitions/stageName. */
function resolveRef(ref: string, root: Schema): Schema {
  const segments = ref.replace(/^#\/?/, '').split('/').filter(Boolean).map(unescapePointer);
  let node: unknown = root;
  for (const segment of segments) node = (node as Schema | undefined)?.[segment];
  return (node as Schema | undefined) ?? {};
}

function closestName(field: string, known: string[]): string | undefined {
  const scored = known
    .map((name) => ({ name, distance: editDistance(field.toLowerCase(), name.toLowerCase()) }))
    .filter(({ distance }) => distance <= Math.max(1, Math.floor(field.length / 4)))
    .sort((a, b) => a.distance - b.distance);
  return scored[0]?.name;
}


function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function lastSegment(pointer: string): string {
  return unescapePointer(pointer.slice(pointer.lastIndexOf('/') + 1));
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
