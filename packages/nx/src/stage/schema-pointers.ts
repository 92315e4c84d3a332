/** Small helpers over the stage.json schema and JSON pointers, for the validation messages. */
export type Schema = Record<string, unknown>;

export function resolve(subschema: Schema, root: Schema): Schema {
  return typeof subschema.$ref === 'string' ? resolveRef(subschema.$ref, root) : subschema;
}

/** Resolves a local reference such as #/definitions/stageName. */
export function resolveRef(ref: string, root: Schema): Schema {
  const segments = ref.replace(/^#\/?/, '').split('/').filter(Boolean).map(unescapePointer);
  let node: unknown = root;
  for (const segment of segments) node = (node as Schema | undefined)?.[segment];
  return (node as Schema | undefined) ?? {};
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

export function lastSegment(pointer: string): string {
  return unescapePointer(pointer.slice(pointer.lastIndexOf('/') + 1));
}

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
