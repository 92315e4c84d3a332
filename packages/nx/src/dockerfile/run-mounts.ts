/** RUN --mount flags as BuildKit reads them: comma-separated key=value fields, a field in double quotes kept whole. */

export interface RunMount {
  /** bind (the default), cache, tmpfs, secret or ssh. */
  type: string;
  /** Every field as written, by key; a field without '=' (e.g. readonly) maps to 'true'. */
  fields: Record<string, string>;
  /** Where the value of `from=` sits in the flag's text, when it has one. */
  fromAt?: { start: number; end: number };
}

/** The mount a --mount=... flag describes, or undefined for another flag. */
export function parseRunMount(flag: string): RunMount | undefined {
  if (!flag.startsWith('--mount=')) return undefined;
  const fields: Record<string, string> = {};
  let fromAt: RunMount['fromAt'];
  let start = '--mount='.length;
  for (const raw of splitFields(flag.slice(start))) {
    const field = raw.replace(/^"(.*)"$/, '$1');
    const equals = field.indexOf('=');
    const key = (equals === -1 ? field : field.slice(0, equals)).toLowerCase();
    fields[key] = equals === -1 ? 'true' : field.slice(equals + 1);
    if (key === 'from' && field === raw) fromAt = { start: start + equals + 1, end: start + raw.length };
    start += raw.length + 1;
  }
  return { type: (fields['type'] ?? 'bind').toLowerCase(), fields, ...(fromAt && { fromAt }) };
}

function splitFields(text: string): string[] {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      fields.push(current);
      current = '';
    } else current += char;
  }
  fields.push(current);
  return fields;
}
