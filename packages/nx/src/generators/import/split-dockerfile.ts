/**
 * Splitting a multi-stage Dockerfile into single-stage Dockerfiles, one per
 * stage, that refer to each other by stage name. Pure: text in, texts out,
 * or every reason the file cannot be translated faithfully.
 */
import { leadingFlags, parserDirectives, readInstructions, wordText, type Instruction, type Word } from '../../dockerfile/dockerfile-instructions';
import { argDeclarations, DEFAULT_PLATFORM, expandArgs, globalArgValues } from '../../dockerfile/dockerfile-args';
import { triggered, type DockerfileRefKind } from '../../dockerfile/dockerfile-refs';
import { parseRunMount } from '../../dockerfile/run-mounts';
import { isExternalImage } from '../../stage/external-images';
import { addedUrls, type StageDownload } from './add-urls';
import { downloadingCommand } from './downloads';

export type { StageDownload } from './add-urls';

export interface SplitOptions {
  /** The Dockerfile's path, for messages. */
  file: string;
  /** The last stage's name, and the prefix of the other stages' names. */
  name: string;
  /** `--build-arg` values. */
  buildArgs?: Readonly<Record<string, string>>;
  /** The platform the automatic platform arguments describe (the workspace's). */
  platform?: string;
  /** Whether a name is a stage of the workspace already (a reference to it is no external image). */
  isStage?: (name: string) => boolean;
}

/** An external image a stage names, as written after ARG expansion. */
export interface SplitImage {
  image: string;
  kind: DockerfileRefKind;
  line: number;
}

export interface SplitStage {
  name: string;
  /** 0-based position in the Dockerfile. */
  index: number;
  /** The alias it had (AS name), if any. */
  alias?: string;
  dockerfile: string;
  /** The stages it names in FROM, COPY --from and RUN --mount=from. */
  upstream: string[];
  /** The external images it names (FROM, COPY --from, RUN --mount=from, `# syntax`). */
  externalImages: SplitImage[];
  /** The build arguments given that this stage declares (globally or in the stage). */
  args: Record<string, string>;
  /** A RUN that downloads, when one does (the first): the stage needs the network. */
  downloading?: { line: number; command: string };
  /** The files its `ADD <url>` lines fetch, now read from the build context at `path`. */
  downloads: StageDownload[];
}

/** A Dockerfile line that cannot be translated, and why. */
export interface Refusal {
  line: number;
  text: string;
  why: string;
}

export class ImportRefused extends Error {
  constructor(
    readonly file: string,
    readonly refusals: Refusal[],
  ) {
    super(
      `cannot import ${file} faithfully; nothing was written:\n` +
        refusals.map((r) => `  ${file}:${r.line}: ${r.text}\n    ${r.why}`).join('\n'),
    );
    this.name = 'ImportRefused';
  }
}

interface RawStage {
  index: number;
  from: Instruction;
  alias?: string;
  body: Instruction[];
  /** [start, end) of the stage's text: the comments right above its FROM, to its own trailing comments. */
  start: number;
  end: number;
}

interface Edit {
  start: number;
  end: number;
  replacement: string;
}

/** What every stage of one file is translated with. */
interface FileContext {
  text: string;
  options: SplitOptions;
  /** The global ARGs' values, and their declarations. */
  values: Map<string, string>;
  declaredGlobally: Array<{ name: string; value?: string }>;
  /** The parser directives and global ARG lines every stage's Dockerfile starts with. */
  preamble: string[];
  syntax?: { value: string; line: number };
  /** Each stage's imported name, by index. */
  names: string[];
  /** The index of the stage a name or index refers to, when it is an earlier stage of the file. */
  stageAt(name: string, before: number): number | undefined;
  refuse(instruction: { line: number; start: number; end: number }, why: string): void;
}

export function splitDockerfile(text: string, options: SplitOptions): SplitStage[] {
  const refusals: Refusal[] = [];
  const refuse = (instruction: { line: number; start: number; end: number }, why: string) =>
    refusals.push({ line: instruction.line, text: firstLine(text.slice(instruction.start, instruction.end)), why });

  const directives = parserDirectives(text);
  const instructions = readInstructions(text);
  const firstFrom = instructions.findIndex((i) => i.keyword === 'FROM');
  if (firstFrom === -1) throw new ImportRefused(options.file, [{ line: 1, text: firstLine(text), why: 'the file has no FROM instruction' }]);
  const globalArgs = instructions.slice(0, firstFrom);
  for (const instruction of globalArgs) if (instruction.keyword !== 'ARG') refuse(instruction, 'only ARG may come before the first FROM');
  const argLines = globalArgs.filter((i) => i.keyword === 'ARG');
  const declaredGlobally = argLines.flatMap((i) => argDeclarations(i.args.map(wordText)));

  const raw = rawStages(text, instructions.slice(firstFrom));
  const byAlias = new Map(raw.filter((s) => s.alias).map((s) => [s.alias!, s.index]));
  const file: FileContext = {
    text,
    options,
    values: globalArgValues(declaredGlobally, options.buildArgs ?? {}, options.platform ?? DEFAULT_PLATFORM),
    declaredGlobally,
    preamble: [...directives.map((d) => `# ${d.name}=${d.value}`), ...argLines.map((i) => text.slice(i.start, i.end))],
    syntax: directives.find((d) => d.name === 'syntax'),
    names: raw.map((stage, index) => (index === raw.length - 1 ? options.name : `${options.name}-${stage.alias ?? index}`)),
    stageAt: (name, before) => {
      const index = /^\d+$/.test(name) ? Number(name) : byAlias.get(name.toLowerCase());
      return index !== undefined && index < before ? index : undefined;
    },
    refuse,
  };
  const result = raw.map((stage) => translateStage(stage, file));
  if (refusals.length) throw new ImportRefused(options.file, refusals.sort((a, b) => a.line - b.line));
  return result;
}

/** One stage as a single-stage Dockerfile: its references rewritten, its external images, downloads and build arguments listed. */
function translateStage(stage: RawStage, file: FileContext): SplitStage {
  const { names, refuse } = file;
  const edits: Edit[] = [];
  const upstream = new Set<string>();
  const externalImages: SplitImage[] = [];
  /** A reference in a word: a stage becomes its name, an external image its ARG-expanded reference. */
  const reference = (written: string, kind: DockerfileRefKind, chars: Word, instruction: Instruction): void => {
    const expanded = expandArgs(written, file.values);
    if (expanded.missing.length) {
      refuse(instruction, `${written} names ${describeArgs(expanded.missing)}, which has no value; give it a default, or its value with --build-arg ${expanded.missing[0]}=<value>`);
      return;
    }
    const index = file.stageAt(expanded.value, stage.index);
    if (index !== undefined) upstream.add(names[index]);
    else if (isExternalImage(expanded.value, file.options.isStage ?? (() => false)) && !externalImages.some((known) => known.image === expanded.value)) {
      externalImages.push({ image: expanded.value, kind, line: chars[0].line });
    }
    const replacement = index !== undefined ? names[index] : expanded.value;
    if (replacement !== written) edits.push({ start: chars[0].offset, end: chars[chars.length - 1].offset + 1, replacement });
  };

  const imageWord = stage.from.args.filter((word) => !wordText(word).startsWith('--'))[0];
  if (imageWord) reference(wordText(imageWord), 'from', imageWord, stage.from);
  const aliasAt = stage.from.args.findIndex((word) => wordText(word).toUpperCase() === 'AS');
  if (aliasAt !== -1) edits.push({ start: stage.from.args[aliasAt - 1][stage.from.args[aliasAt - 1].length - 1].offset + 1, end: stage.from.end, replacement: '' });

  let downloading: SplitStage['downloading'];
  const downloads: StageDownload[] = [];
  for (const instruction of stage.body) {
    const onbuild = instruction.keyword === 'ONBUILD';
    const { keyword, args } = triggered(instruction);
    const flags = leadingFlags(args);
    if (keyword === 'COPY' || keyword === 'ADD') {
      const from = flags.find((word) => wordText(word).startsWith('--from='));
      if (from) reference(wordText(from).slice('--from='.length), 'copy-from', from.slice('--from='.length), instruction);
      else if (onbuild) refuse(instruction, `ONBUILD ${keyword} from the build context runs in the builds of the stages based on this one, whose contexts hold only the files they copy themselves; copy the files in the stages that need them`);
      if (keyword === 'ADD' && !from && !onbuild) {
        const added = addedUrls(instruction, args, flags, stage.index, downloads.length);
        if (typeof added === 'string') refuse(instruction, added);
        else if (added) {
          downloads.push(...added.downloads);
          edits.push({ start: instruction.start, end: instruction.end, replacement: added.copy });
        }
      }
    } else if (keyword === 'RUN') {
      for (const flag of flags) {
        const mount = parseRunMount(wordText(flag));
        if (mount?.type === 'secret' || mount?.type === 'ssh') refuse(instruction, mountRefusal(mount.type));
        else if (mount?.fromAt) reference(wordText(flag).slice(mount.fromAt.start, mount.fromAt.end), 'mount-from', flag.slice(mount.fromAt.start, mount.fromAt.end), instruction);
      }
      const command = downloadingCommand(args.slice(flags.length).map(wordText).join(' '));
      if (command && !downloading) downloading = { line: instruction.line, command };
    }
  }
  const body = applyEdits(file.text, stage.start, stage.end, edits).replace(/^\s*\n/, '').trimEnd();
  const declared = new Set([...file.declaredGlobally, ...stage.body.filter((i) => i.keyword === 'ARG').flatMap((i) => argDeclarations(i.args.map(wordText)))].map((d) => d.name));
  const { syntax } = file;
  return {
    name: names[stage.index],
    index: stage.index,
    ...(stage.alias && { alias: stage.alias }),
    dockerfile: `${[...file.preamble, body].join('\n')}\n`,
    upstream: [...upstream].sort(),
    // Every stage's Dockerfile starts with the parser directives, so each is built by the `# syntax` frontend.
    externalImages: [...(syntax ? [{ image: syntax.value, kind: 'syntax' as const, line: syntax.line }] : []), ...sortByLine(externalImages)],
    args: Object.fromEntries(Object.entries(file.options.buildArgs ?? {}).filter(([name]) => declared.has(name))),
    downloads,
    ...(downloading && { downloading }),
  };
}

function mountRefusal(type: 'secret' | 'ssh'): string {
  return (
    `RUN --mount=type=${type} gives the step a ${type === 'ssh' ? 'forwarded SSH agent' : 'secret'} from the machine that runs docker build; ` +
    "a stage's key cannot hold it, and builds here get nothing from outside their context. Put what the step fetches with it into the build context (or a url source) instead"
  );
}

/**
 * The stages in order. A stage's text starts at the comment block right
 * above its FROM (no blank line between) and ends with the comments that
 * follow its last instruction, so comments stay with the stage they describe.
 */
function rawStages(text: string, instructions: Instruction[]): RawStage[] {
  const stages: RawStage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.filter((word) => !wordText(word).startsWith('--')).map(wordText);
      const alias = words.length >= 3 && words[1].toUpperCase() === 'AS' ? words[2].toLowerCase() : undefined;
      const previous = stages[stages.length - 1];
      const start = previous ? commentBlockAbove(text, previous.end, instruction.start) : instruction.start;
      if (previous) previous.end = start;
      stages.push({ index: stages.length, from: instruction, alias, body: [], start, end: instruction.end });
    } else {
      const stage = stages[stages.length - 1];
      stage.body.push(instruction);
      stage.end = instruction.end;
    }
  }
  const last = stages[stages.length - 1];
  if (last) last.end = text.length;
  return stages;
}

/** Where the comment lines directly above `at` begin (`at` itself when a blank line or code comes first), no earlier than `floor`. */
function commentBlockAbove(text: string, floor: number, at: number): number {
  let start = at;
  for (;;) {
    const lineEnd = start - 1;
    if (lineEnd <= floor) return start;
    const lineStart = text.lastIndexOf('\n', lineEnd - 1) + 1;
    if (lineStart < floor || !text.slice(lineStart, lineEnd).trimStart().startsWith('#')) return start;
    start = lineStart;
  }
}

function applyEdits(text: string, start: number, end: number, edits: Edit[]): string {
  let out = '';
  let cursor = start;
  for (const edit of [...edits].sort((a, b) => a.start - b.start)) {
    out += text.slice(cursor, edit.start) + edit.replacement;
    cursor = edit.end;
  }
  return out + text.slice(cursor, end);
}

function sortByLine(images: SplitImage[]): SplitImage[] {
  return [...images].sort((a, b) => a.line - b.line);
}

function describeArgs(names: string[]): string {
  return [...new Set(names)].map((name) => `$${name}`).join(', ');
}

function firstLine(text: string): string {
  const line = text.split('\n')[0].trim();
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
