/** What a failed schema rule means for the person who wrote the stage.json. */
import type { ErrorObject } from 'ajv';
import { describeNameRule } from './names';
import { editDistance } from './edit-distance';
import { escapePointer, resolve, show, type Schema } from './schema-pointers';

export function describeError(error: ErrorObject, schema: Schema): { pointer: string; problem: string } {
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
    "expected a commit, tag, branch or semver range (tag:, branch:, semver: to be explicit), not starting with '-', with no tabs or newlines",
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

function closestName(field: string, known: string[]): string | undefined {
  const scored = known
    .map((name) => ({ name, distance: editDistance(field.toLowerCase(), name.toLowerCase()) }))
    .filter(({ distance }) => distance <= Math.max(1, Math.floor(field.length / 4)))
    .sort((a, b) => a.distance - b.distance);
  return scored[0]?.name;
}

