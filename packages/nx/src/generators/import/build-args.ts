/** Build arguments of a Dockerfile: ARG declarations and the ${VAR} substitution Docker applies to FROM and --from. */

/** NAME[=value] words of one ARG instruction; a value in matching quotes is unquoted. */
export function argDeclarations(words: string[]): Array<{ name: string; value?: string }> {
  return words.map((word) => {
    const equals = word.indexOf('=');
    if (equals === -1) return { name: word };
    const raw = word.slice(equals + 1);
    const quoted = /^(["'])(.*)\1$/.exec(raw);
    return { name: word.slice(0, equals), value: quoted ? quoted[2] : raw };
  });
}

/**
 * Expands $NAME, ${NAME}, ${NAME:-word} and ${NAME:+word} with the given
 * values; `missing` lists the names used that have no value.
 */
export function expandArgs(text: string, values: Map<string, string>): { value: string; missing: string[] } {
  const missing: string[] = [];
  const lookup = (name: string) => {
    const value = values.get(name);
    if (value === undefined) missing.push(name);
    return value ?? '';
  };
  const value = text.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_all, braced, operator, word, bare) => {
    if (bare !== undefined) return lookup(bare);
    const set = values.get(braced);
    if (operator === '-') return set ? set : word;
    if (operator === '+') return set ? word : '';
    return lookup(braced);
  });
  return { value, missing };
}
