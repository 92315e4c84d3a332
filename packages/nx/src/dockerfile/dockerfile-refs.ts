/**
 * The images a Dockerfile names (FROM, COPY --from, RUN --mount=from and the
 * `# syntax` frontend), found the way BuildKit reads the file (parser
 * directives, comments, line continuations, heredocs, stage aliases, global
 * ARGs, ONBUILD triggers), and a rewrite that replaces exactly those names.
 * Which of them are other stages, external images or scratch is the caller's
 * question (stage/external-images.ts answers it).
 */

import { leadingFlags, readInstructions, wordText, type Instruction, type Word } from './dockerfile-instructions';
import { argDeclarations, buildArgValues, DEFAULT_PLATFORM, expandArgs, globalArgValues } from './dockerfile-args';
import { parseRunMount } from './run-mounts';

export type DockerfileRefKind = 'from' | 'copy-from' | 'mount-from' | 'syntax';

export interface DockerfileRef {
  kind: DockerfileRefKind;
  /** The name with the global ARGs expanded (BuildKit's value: an ARG without one expands to nothing). */
  name: string;
  /** 1-based line of the name in the file. */
  line: number;
}

/** What the global ARGs expand to: the build arguments given, and the platform the automatic ones describe. */
export interface DockerfileArgs {
  /** NAME=value, as stage.json's build.args lists them. */
  buildArgs?: readonly string[];
  platform?: string;
}

/** A ref with the [start, end) character offsets of its name in the text. */
interface LocatedRef extends DockerfileRef {
  start: number;
  end: number;
}


export function parseDockerfileRefs(text: string, args: DockerfileArgs = {}): DockerfileRef[] {
  return locateRefs(text, args).map(({ kind, name, line }) => ({ kind, name, line }));
}

/** Replaces each ref for which resolve gives an image; every other byte stays as it was. */
export function rewriteDockerfileRefs(text: string, resolve: (name: string, kind: DockerfileRefKind) => string | undefined, args: DockerfileArgs = {}): string {
  let rewritten = '';
  let cursor = 0;
  for (const ref of locateRefs(text, args)) {
    const image = resolve(ref.name, ref.kind);
    if (image === undefined) continue;
    rewritten += text.slice(cursor, ref.start) + image;
    cursor = ref.end;
  }
  return rewritten + text.slice(cursor);
}

/** The keyword and arguments an instruction runs with: ONBUILD's trigger for an ONBUILD line. */
export function triggered(instruction: Pick<Instruction, 'keyword' | 'args'>): { keyword: string; args: Word[] } {
  if (instruction.keyword !== 'ONBUILD' || !instruction.args.length) return instruction;
  return { keyword: wordText(instruction.args[0]).toUpperCase(), args: instruction.args.slice(1) };
}

function locateRefs(text: string, args: DockerfileArgs): LocatedRef[] {
  const aliases = new Set<string>();
  const refs: LocatedRef[] = [...syntaxRef(text)];
  const instructions = readInstructions(text);
  const firstFrom = instructions.findIndex((instruction) => instruction.keyword === 'FROM');
  const declared = instructions.slice(0, firstFrom === -1 ? 0 : firstFrom).filter((instruction) => instruction.keyword === 'ARG');
  const values = globalArgValues(
    declared.flatMap((instruction) => argDeclarations(instruction.args.map(wordText))),
    buildArgValues(args.buildArgs),
    args.platform ?? DEFAULT_PLATFORM,
  );
  const isLocal = (name: string) => /^\d+$/.test(name) || aliases.has(name.toLowerCase());
  const add = (kind: DockerfileRefKind, written: string, line: number, start: number, end: number) => {
    const name = expandArgs(written, values).value;
    if (name !== '' && !isLocal(name)) refs.push({ kind, name, line, start, end });
  };

  for (const instruction of instructions) {
    const { keyword, args: words } = triggered(instruction);
    if (keyword === 'FROM') {
      const [image, as, alias] = words.filter((word) => !wordText(word).startsWith('--'));
      if (image) add('from', wordText(image), image[0].line, image[0].offset, image[image.length - 1].offset + 1);
      if (as && alias && wordText(as).toUpperCase() === 'AS') aliases.add(wordText(alias).toLowerCase());
    } else if (keyword === 'COPY') {
      for (const flag of leadingFlags(words)) {
        if (!wordText(flag).startsWith('--from=')) continue;
        const name = flag.slice('--from='.length);
        if (name.length) add('copy-from', wordText(name), name[0].line, name[0].offset, name[name.length - 1].offset + 1);
      }
    } else if (keyword === 'RUN') {
      for (const flag of leadingFlags(words)) {
        const at = parseRunMount(wordText(flag))?.fromAt;
        if (at && at.end > at.start) add('mount-from', wordText(flag).slice(at.start, at.end), flag[at.start].line, flag[at.start].offset, flag[at.end - 1].offset + 1);
      }
    }
  }
  return refs.sort((a, b) => a.start - b.start);
}

/** The `# syntax=` parser directive's frontend image, when the file starts with one. */
function syntaxRef(text: string): LocatedRef[] {
  let offset = text.startsWith('\uFEFF') ? 1 : 0;
  const lines = text.slice(offset).split('\n');
  for (let index = 0; index < lines.length; index++) {
    const directive = /^(#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*)(.*?)\s*\r?$/.exec(lines[index]);
    if (!directive || !['syntax', 'escape', 'check'].includes(directive[2].toLowerCase())) break;
    if (directive[2].toLowerCase() === 'syntax' && directive[3]) {
      const start = offset + directive[1].length;
      return [{ kind: 'syntax', name: directive[3], line: index + 1, start, end: start + directive[3].length }];
    }
    offset += lines[index].length + 1;
  }
  return [];
}
