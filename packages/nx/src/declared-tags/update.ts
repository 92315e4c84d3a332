/** Rewriting declarations in place: comments, ordering and quoting of the file stay as they were. */
import { isMap, isScalar, parse, Scalar } from 'yaml';
import type { DeclaredTags } from './declared-tags-file';

/**
 * The file's text with each given stage declared with its tag: existing
 * entries are changed where they stand, new ones are added at the end in the
 * order given. Returns the original text when nothing changes.
 */
export function withDeclaredTags(declared: DeclaredTags, tags: ReadonlyMap<string, string>): string {
  const changes = [...tags].filter(([stage, tag]) => declared.declarations.get(stage)?.tag !== tag);
  if (!changes.length) return declared.text;
  const document = declared.document.clone();
  for (const [stage, tag] of changes) {
    const root = document.contents;
    const existing = isMap(root) ? root.get(stage, true) : undefined;
    if (isScalar(existing)) {
      existing.value = tag;
      if (existing.type === Scalar.PLAIN && readsAsNonString(tag)) existing.type = Scalar.QUOTE_DOUBLE;
    } else {
      const node = document.createNode(tag) as Scalar;
      if (readsAsNonString(tag)) node.type = Scalar.QUOTE_DOUBLE;
      document.set(stage, node);
    }
  }
  return document.toString();
}

/** Other YAML readers use the core schema: quote a tag they would read as a number or boolean. */
function readsAsNonString(value: string): boolean {
  try {
    return typeof parse(value) !== 'string';
  } catch {
    return true;
  }
}
