/**
 * Splitting a multi-stage Dockerfile into single-stage Dockerfiles, one per
 * stage, that refer to each other by stage name. Pure: text in, texts out,
 * or every reason the file cannot be translated faithfully.
 */
import {
  leadingFlags,
  parserDirectives,
  readInstructions,
  wordText,
  type Instruction,
  type Word,
} from '../../dockerfile/dockerfile-instructions';
import { argDeclarations, expandArgs } from './build-args';

export interface SplitOptions {
  /** The Dockerfile's path, for messages. */
  file: string;
  /** The last stage's name, and the prefix of unnamed stages. */
  name: string;
  /** The image reference to write for an external base (the pinning hook). */
  pinBase?: (image: string) => string;
}

export interface SplitStage {
  name: string;
  /** 0-based position in the Dockerfile. */
  index: number;
  /** The alias it had (AS name), if any. */
  alias?: string;
  dockerfile: string;
  /** The stages it names in FROM and COPY --from. */
  upstream: string[];
  /** The external image its FROM names (ARGs expanded), if it is not another stage. */
  externalBase?: string;
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
  /** [start, end) of the stage's text: the comments above its FROM, to its last instruction. */
  start: number;
  end: number;
}

export function splitDockerfile(text: string, options: SplitOptions): SplitStage[] {
  const refusals: Refusal[] = [];
  const refuse = (instruction: { line: number; start: number; end: number }, why: string) =>
    refusals.push({ line: instruction.line, text: firstLine(text.slice(instruction.start, instruction.end)), why });

  const directives = parserDirectives(text);
  for (const directive of directives.filter((d) => d.name === 'syntax')) {
    refusals.push({
      line: directive.line,
      text: `# syntax=${directive.value}`,
      why:
        `this parser directive makes BuildKit pull the frontend image ${directive.value} from a registry, and builds here run ` +
        'without network; remove the line when the Dockerfile needs no feature of that frontend',
    });
  }
  const header = directives.filter((d) => d.name !== 'syntax').map((d) => `# ${d.name}=${d.value}`);

  const instructions = readInstructions(text);
  const firstFrom = instructions.findIndex((i) => i.keyword === 'FROM');
  if (firstFrom === -1) throw new ImportRefused(options.file, [{ line: 1, text: firstLine(text), why: 'the file has no FROM instruction' }]);
  const globalArgs = instructions.slice(0, firstFrom);
  const argValues = new Map<string, string>();
  for (const instruction of globalArgs) {
    if (instruction.keyword !== 'ARG') {
      refuse(instruction, 'only ARG may come before the first FROM');
      continue;
    }
    for (const { name, value } of argDeclarations(instruction.args.map(wordText))) if (value !== undefined) argValues.set(name, value);
  }

  const raw = rawStages(instructions.slice(firstFrom));
  const names = stageNames(raw, options.name);
  const byAlias = new Map(raw.filter((s) => s.alias).map((s) => [s.alias!, s.index]));
  const stageAt = (name: string, before: number): number | undefined => {
    const index = /^\d+$/.test(name) ? Number(name) : byAlias.get(name.toLowerCase());
    return index !== undefined && index < before ? index : undefined;
  };

  const result = raw.map((stage): SplitStage => {
    const edits: Array<{ start: number; end: number; replacement: string }> = [];
    const upstream = new Set<string>();
    const imageWord = stage.from.args.filter((word) => !wordText(word).startsWith('--'))[0];
    const fromFlags = leadingFlags(stage.from.args).map(wordText);
    let externalBase: string | undefined;
    let base = imageWord ? wordText(imageWord) : '';
    const expanded = expandArgs(base, argValues);
    if (expanded.missing.length) {
      refuse(stage.from, `the base names ${describeArgs(expanded.missing)} with no default before the first FROM; give it a default`);
    } else if (stageAt(expanded.value, stage.index) !== undefined && !/^\d+$/.test(expanded.value)) {
      const target = names[stageAt(expanded.value, stage.index)!];
      if (base.includes('$')) refuse(stage.from, argComputedStage(base));
      base = target;
      upstream.add(target);
    } else {
      externalBase = expanded.value;
      const pinned = options.pinBase?.(expanded.value) ?? expanded.value;
      if (pinned !== expanded.value) base = pinned;
    }
    edits.push({ start: stage.from.start, end: stage.from.end, replacement: ['FROM', ...fromFlags, base].join(' ') });

    for (const instruction of stage.body) {
      const flags = leadingFlags(instruction.args);
      if (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') {
        for (const flag of flags.filter((word) => wordText(word).startsWith('--from='))) {
          const value = wordText(flag).slice('--from='.length);
          const resolved = expandArgs(value, argValues).value;
          const index = stageAt(resolved, stage.index);
          if (index === undefined) {
            refuse(instruction, `COPY --from=${value} copies from an external image, not a stage of this Dockerfile; Stagecraft builds stages from their own base and context only. Make that image a stage (FROM ${value} AS ...) or copy the files from the build context`);
          } else if (value.includes('$')) {
            refuse(instruction, argComputedStage(value));
          } else {
            upstream.add(names[index]);
            edits.push({ start: flag[0].offset + '--from='.length, end: flag[flag.length - 1].offset + 1, replacement: names[index] });
          }
        }
        if (instruction.keyword === 'ADD' && instruction.args.slice(flags.length).some((word) => /^(?:https?|git|ssh):\/\//i.test(wordText(word)))) {
          refuse(instruction, 'ADD of a URL downloads at build time, and builds here run without network; download the file into the build context (or a url source) instead');
        }
      } else if (instruction.keyword === 'RUN' && flags.some((word) => /^--mount=.*\bfrom=/.test(wordText(word)))) {
        refuse(instruction, 'RUN --mount=from= reads another image during the build; copy what it needs with COPY --from instead');
      }
    }
    const body = applyEdits(text, stage.start, stage.end, edits).replace(/^\s*\n/, '').trimEnd();
    const preamble = [...header, ...globalArgs.filter((i) => i.keyword === 'ARG').map((i) => text.slice(i.start, i.end))];
    return {
      name: names[stage.index],
      index: stage.index,
      ...(stage.alias && { alias: stage.alias }),
      dockerfile: `${[...preamble, body].join('\n')}\n`,
      upstream: [...upstream].sort(),
      ...(externalBase !== undefined && { externalBase }),
    };
  });
  if (refusals.length) throw new ImportRefused(options.file, refusals.sort((a, b) => a.line - b.line));
  return result;
}

function rawStages(instructions: Instruction[]): RawStage[] {
  const stages: RawStage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.filter((word) => !wordText(word).startsWith('--')).map(wordText);
      const alias = words.length >= 3 && words[1].toUpperCase() === 'AS' ? words[2].toLowerCase() : undefined;
      // A stage's text runs from the end of the previous stage, so the comments above a FROM stay with it.
      const start = stages.length ? stages[stages.length - 1].end : instruction.start;
      stages.push({ index: stages.length, from: instruction, alias, body: [], start, end: instruction.end });
    } else {
      const stage = stages[stages.length - 1];
      stage.body.push(instruction);
      stage.end = instruction.end;
    }
  }
  return stages;
}

/** Named stages keep their names, the last stage takes `name`, the others `<name>-<index>`. */
function stageNames(stages: RawStage[], name: string): string[] {
  return stages.map((stage, index) => (index === stages.length - 1 ? name : (stage.alias ?? `${name}-${index}`)));
}

function applyEdits(text: string, start: number, end: number, edits: Array<{ start: number; end: number; replacement: string }>): string {
  let out = '';
  let cursor = start;
  for (const edit of [...edits].sort((a, b) => a.start - b.start)) {
    out += text.slice(cursor, edit.start) + edit.replacement;
    cursor = edit.end;
  }
  return out + text.slice(cursor, end);
}

function argComputedStage(value: string): string {
  return `the stage ${value} is computed from a build argument, so docker build picks it with --build-arg; Stagecraft needs the stage named in the file: write its name instead`;
}

function describeArgs(names: string[]): string {
  return names.map((name) => `$${name}`).join(', ');
}

function firstLine(text: string): string {
  const line = text.split('\n')[0].trim();
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

export type { Word };
