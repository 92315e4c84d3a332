/** Stage names: the Docker repository path component rule, and names derived from directories. */
import { createHash } from 'node:crypto';

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
  const shortened = trimSeparators(sanitize(basename).slice(0, MAX_STAGE_NAME_LENGTH));
  if (!isValidStageName(shortened)) {
    throw new Error(`directory '${dirRelPath}' gives no valid stage name: ${describeNameRule()}`);
  }
  return shortened;
}

/**
 * The stage name a directory gets from its whole path when its own name is
 * already taken: apps/api/docker -> apps-api-docker. A path too long for a
 * stage name keeps its end and a short hash of the whole path.
 */
export function stageNameFromPath(dirRelPath: string): string {
  const segments = dirRelPath.split(/[/\\]+/).filter((segment) => segment !== '');
  const name = segments.map((segment) => sanitize(segment)).filter((segment) => segment !== '').join('-');
  if (name.length <= MAX_STAGE_NAME_LENGTH && isValidStageName(name)) return name;
  const hash = createHash('sha256').update(segments.join('/')).digest('hex').slice(0, 8);
  const tail = trimSeparators(name.slice(-(MAX_STAGE_NAME_LENGTH - hash.length - 1)));
  return tail ? `${tail}-${hash}` : `stage-${hash}`;
}

/** Lowercased, accents dropped, every run of other characters turned into '-', separators trimmed. */
function sanitize(segment: string): string {
  const lowered = segment
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  return trimSeparators(
    lowered
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(SEPARATOR_RUN, (run) => (VALID_SEPARATOR.test(run) ? run : '-')),
  );
}

function trimSeparators(s: string): string {
  return s.replace(/^[._-]+|[._-]+$/g, '');
}
