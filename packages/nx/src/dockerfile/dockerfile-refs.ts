/**
 * The images a Dockerfile names in FROM and COPY --from, found the way BuildKit
 * reads the file (parser directives, comments, line continuations, heredocs,
 * stage aliases), and a rewrite that replaces exactly those names.
 */

import { leadingFlags, readInstructions, wordText, type Word } from './dockerfile-instructions';

export interface DockerfileRef {
  kind: 'from' | 'copy-from';
  name: string;
  /** 1-based line of the name in the file. */
  line: number;
}

/** A ref with the [start, end) character offsets of its name in the text. */
interface LocatedRef extends DockerfileRef {
  start: number;
  end: number;
}

export function parseDockerfileRefs(text: string): DockerfileRef[] {
  return locateRefs(text).map(({ kind, name, line }) => ({ kind, name, line }));
}

/** Replaces each ref for which resolve gives an image; every other byte stays as it was. */
export function rewriteDockerfileRefs(text: string, resolve: (name: string) => string | undefined): string {
  let rewritten = '';
  let cursor = 0;
  for (const ref of locateRefs(text)) {
    const image = resolve(ref.name);
    if (image === undefined) continue;
    rewritten += text.slice(cursor, ref.start) + image;
    cursor = ref.end;
  }
  return rewritten + text.slice(cursor);
}

function locateRefs(text: string): LocatedRef[] {
  const aliases = new Set<string>();
  const refs: LocatedRef[] = [];
  const isExternal = (name: string) =>
    name !== '' &&
    !name.includes('$') &&
    name.toLowerCase() !== 'scratch' &&
    !/^\d+$/.test(name) &&
    !aliases.has(name.toLowerCase());

  for (const { keyword, args } of readInstructions(text)) {
    if (keyword === 'FROM') {
      const [image, as, alias] = args.filter((word) => !wordText(word).startsWith('--'));
      if (image && isExternal(wordText(image))) refs.push(located('from', image));
      if (as && alias && wordText(as).toUpperCase() === 'AS') aliases.add(wordText(alias).toLowerCase());
    } else if (keyword === 'COPY') {
      for (const flag of leadingFlags(args)) {
        if (!wordText(flag).startsWith('--from=')) continue;
        const name = flag.slice('--from='.length);
        if (name.length && isExternal(wordText(name))) refs.push(located('copy-from', name));
      }
    }
  }
  return refs;
}

function located(kind: DockerfileRef['kind'], word: Word): LocatedRef {
  const first = word[0];
  const last = word[word.length - 1];
  return { kind, name: wordText(word), line: first.line, start: first.offset, end: last.offset + 1 };
}
