/** Stage names: the Docker repository path component rule, and names derived from directories. */

export const MAX_STAGE_NAME_LENGTH = 64;

const STAGE_NAME = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const SEPARATOR_RUN = /[._-]+/g;
const VALID_SEPARATOR = /^(?:[._]|__|-+)$/;

/** Names a stage cannot take, with why: its run manifest (dist/stagecraft/<stage>.json) would clash. */
export const RESERVED_STAGE_NAMES: ReadonlyMap<string, string> = new Map([
  ['timeline', 'dist/stagecraft/timeline.json is the timeline of each run, beside the stages\' manifests'],
]);

export function isValidStageName(s: string): boolean {
  return s.length <= MAX_STAGE_NAME_LENGTH && STAGE_NAME.test(s);
}

export function describeNameRule(): string {
  return (
    'stage names are lowercase letters, digits and separators . _ __ -, ' +
    `start and end with a letter or digit, and have at most ${MAX_STAGE_NAME_LENGTH} characters`
  );
}

/**
 * The stage name a directory gets when stage.json gives none: the last path
 * segment, lowercased, accents dropped, every run of other characters turned
 * into '-', and leading and trailing separators trimmed.
 */
export function stageNameFromDirectory(dirRelPath: string): string {
  const basename = dirRelPath.split(/[/\\]+/).filter((segment) => segment !== '').pop() ?? '';
  const lowered = basename
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  const name = trimSeparators(
    lowered
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(SEPARATOR_RUN, (run) => (VALID_SEPARATOR.test(run) ? run : '-')),
  );
  const shortened = trimSeparators(name.slice(0, MAX_STAGE_NAME_LENGTH));
  if (!isValidStageName(shortened)) {
    throw new Error(`directory '${dirRelPath}' gives no valid stage name: ${describeNameRule()}`);
  }
  return shortened;
}

function trimSeparators(s: string): string {
  return s.replace(/^[._-]+|[._-]+$/g, '');
}
