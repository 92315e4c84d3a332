/**
 * Build arguments of a Dockerfile as BuildKit reads them: ARG declarations,
 * the ${VAR} substitution applied to FROM and --from, the automatic platform
 * arguments, and the values the global ARGs take before the first FROM.
 */

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
 * values; a name without a value expands to nothing, as in BuildKit, and is
 * listed in `missing`.
 */
export function expandArgs(text: string, values: ReadonlyMap<string, string>): { value: string; missing: string[] } {
  const missing: string[] = [];
  const lookup = (name: string) => {
    const value = values.get(name);
    if (value === undefined) missing.push(name);
    return value ?? '';
  };
  const value = text.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_all, braced, operator, word, bare) => {
    if (bare !== undefined) return lookup(bare);
    const set = values.get(braced);
    if (operator === '-') return set ? set : expandArgs(word, values).value;
    if (operator === '+') return set ? expandArgs(word, values).value : '';
    return lookup(braced);
  });
  return { value, missing };
}

/** NAME=value build arguments (stage.json's build.args) by name. */
export function buildArgValues(assignments: readonly string[] | undefined): Record<string, string> {
  const values: Record<string, string> = {};
  for (const assignment of assignments ?? []) {
    const equals = assignment.indexOf('=');
    values[assignment.slice(0, equals)] = assignment.slice(equals + 1);
  }
  return values;
}

/** The arguments BuildKit defines for every build from its platform, usable in FROM without an ARG. */
/** The platform a stage builds for when the plugin option `platform` does not say (BuildKit's TARGETPLATFORM default here). */
export const DEFAULT_PLATFORM = 'linux/amd64';

export const PLATFORM_ARGS = ['TARGETPLATFORM', 'TARGETOS', 'TARGETARCH', 'TARGETVARIANT', 'BUILDPLATFORM', 'BUILDOS', 'BUILDARCH', 'BUILDVARIANT'] as const;

/** The platform arguments' values for a platform such as linux/amd64 or linux/arm/v7 (the build runs on the same platform). */
export function platformArgs(platform: string): Map<string, string> {
  const [os = '', arch = '', variant = ''] = platform.split('/');
  const values = new Map<string, string>();
  for (const prefix of ['TARGET', 'BUILD']) {
    values.set(`${prefix}PLATFORM`, platform);
    values.set(`${prefix}OS`, os);
    values.set(`${prefix}ARCH`, arch);
    values.set(`${prefix}VARIANT`, variant);
  }
  return values;
}

/**
 * The values of the global ARGs (those before the first FROM), in order: a
 * given build argument wins, else the default with the earlier ARGs expanded,
 * else a platform argument's automatic value. The platform arguments are
 * defined even when no ARG declares them.
 */
export function globalArgValues(declarations: Array<{ name: string; value?: string }>, given: Readonly<Record<string, string>>, platform: string): Map<string, string> {
  const automatic = platformArgs(platform);
  const values = new Map(automatic);
  for (const { name, value } of declarations) {
    if (Object.prototype.hasOwnProperty.call(given, name)) values.set(name, given[name]);
    else if (value !== undefined) values.set(name, expandArgs(value, values).value);
  }
  return values;
}
