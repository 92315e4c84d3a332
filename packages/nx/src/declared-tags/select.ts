/** Which stages update-tags works on: --all, --include REGEX (repeatable) and --exclude REGEX. */

export interface StageSelection {
  all?: boolean;
  include?: string[] | string;
  exclude?: string[] | string;
}

export class InvalidPatternError extends Error {
  constructor(option: string, pattern: string, reason: string) {
    super(`--${option} '${pattern}' is not a valid regular expression: ${reason}`);
    this.name = 'InvalidPatternError';
  }
}

/** Compiles every pattern first, so an invalid one fails before anything is read or written. */
export function compilePatterns(patterns: string[] | string | undefined, option: 'include' | 'exclude'): RegExp[] {
  return toList(patterns).map((pattern) => {
    try {
      return new RegExp(pattern);
    } catch (error) {
      throw new InvalidPatternError(option, pattern, (error as Error).message.replace(/^Invalid regular expression: /, ''));
    }
  });
}

/**
 * The selected stage names, in the workspace's order. Patterns match anywhere
 * in the name (anchor them with ^ and $ for an exact name). With neither --all
 * nor --include, the selection is the stages the file already declares.
 */
export function selectStages(stageNames: readonly string[], declaredStages: ReadonlySet<string>, selection: StageSelection): string[] {
  const include = compilePatterns(selection.include, 'include');
  const exclude = compilePatterns(selection.exclude, 'exclude');
  const included = (name: string) =>
    selection.all ? true : include.length ? include.some((pattern) => pattern.test(name)) : declaredStages.has(name);
  return stageNames.filter((name) => included(name) && !exclude.some((pattern) => pattern.test(name)));
}

function toList(value: string[] | string | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
