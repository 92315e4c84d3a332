/**
 * A stage's pin file, `<stage dir>/stage.lock.json`: what the lock generator
 * resolved for that stage alone, so that moving one pin changes exactly that
 * stage's inputs. Each pinner owns one top-level field: `source` (a floating
 * git rev), `base` (an external base) and `images` (a Dockerfile stage's external images).
 */
import { StageError } from './errors';
import { STAGE_FILE_NAMES } from './definition-files';
import { orderedBasePin, parseBasePin, type BasePin } from './base-pin';

export const PIN_FILE_NAME = 'stage.lock.json';

/** The files that define a stage, its pins included: never part of its build context. */
export const STAGE_DEFINITION_FILES: readonly string[] = [...STAGE_FILE_NAMES, PIN_FILE_NAME];

/** A floating git rev and the commit it was pinned to. */
export interface SourcePin {
  /** The repository, as stage.json's source.git spells it. */
  git: string;
  /** The rev as stage.json's source.rev spells it. */
  rev: string;
  /** What the rev resolved to: refs/heads/<branch> or refs/tags/<tag>. */
  ref: string;
  /** The pinned commit (40 hex digits). */
  commit: string;
}

export interface StagePins {
  source?: SourcePin;
  /** The external base, pinned to its digest (issue 13). */
  base?: BasePin;
  /** A Dockerfile stage's external images (FROM, COPY --from, RUN --mount=from, `# syntax`), each pinned, sorted by image. */
  images?: BasePin[];
}

const FULL_COMMIT = /^[0-9a-f]{40}$/;
const SOURCE_PIN_FIELDS = ['git', 'rev', 'ref', 'commit'] as const;

/** Reads a pin file's text, naming the file and field of any problem. */
export function parsePins(text: string, file: string): StagePins {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new StageError(file, '', `not valid JSON (${(error as Error).message}); regenerate it with nx g @stagecraft/nx:lock`);
  }
  if (!isObject(document)) throw new StageError(file, '', 'expected a JSON object such as {"source": {...}}');
  const pins: StagePins = {};
  for (const [field, value] of Object.entries(document)) {
    if (field === 'source') pins.source = parseSourcePin(value, file);
    else if (field === 'base') pins.base = parseBasePin(value, file);
    else if (field === 'images') pins.images = parseImagePins(value, file);
    else throw new StageError(file, `/${field}`, `unknown pin '${field}' (known: source, base, images)`);
  }
  return pins;
}

function parseImagePins(value: unknown, file: string): BasePin[] {
  if (!Array.isArray(value)) throw new StageError(file, '/images', 'expected an array of {image, digest} (or {image, imageId})');
  const pins = value.map((item, index) => parseBasePin(item, file, `/images/${index}`));
  pins.forEach((pin, index) => {
    if (pins.findIndex((other) => other.image === pin.image) !== index) throw new StageError(file, `/images/${index}/image`, `'${pin.image}' is pinned twice`);
  });
  return pins;
}

function parseSourcePin(value: unknown, file: string): SourcePin {
  if (!isObject(value)) throw new StageError(file, '/source', 'expected an object with git, rev, ref and commit');
  for (const field of Object.keys(value)) {
    if (!(SOURCE_PIN_FIELDS as readonly string[]).includes(field)) {
      throw new StageError(file, `/source/${field}`, `unknown field (expected ${SOURCE_PIN_FIELDS.join(', ')})`);
    }
  }
  for (const field of SOURCE_PIN_FIELDS) {
    if (typeof value[field] !== 'string' || !value[field]) throw new StageError(file, `/source/${field}`, 'expected a non-empty string');
  }
  if (!FULL_COMMIT.test(value['commit'] as string)) {
    throw new StageError(file, '/source/commit', 'expected a full commit id: 40 lowercase hexadecimal digits');
  }
  return { git: value['git'] as string, rev: value['rev'] as string, ref: value['ref'] as string, commit: value['commit'] as string };
}

/** The pin file's text: fields in a fixed order, two-space indent, a final newline. */
export function formatPins(pins: StagePins): string {
  const ordered: Record<string, unknown> = {};
  if (pins.source) {
    const { git, rev, ref, commit } = pins.source;
    ordered['source'] = { git, rev, ref, commit };
  }
  if (pins.base) ordered['base'] = orderedBasePin(pins.base);
  if (pins.images?.length) ordered['images'] = [...pins.images].sort((a, b) => (a.image < b.image ? -1 : a.image > b.image ? 1 : 0)).map(orderedBasePin);
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
