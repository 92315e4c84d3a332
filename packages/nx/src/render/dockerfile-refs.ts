/**
 * The images a Dockerfile names in FROM and COPY --from, found the way BuildKit
 * reads the file (parser directives, comments, line continuations, heredocs,
 * stage aliases), and a rewrite that replaces exactly those names.
 */

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

interface PhysicalLine {
  /** The line without its line break (and without a trailing \r). */
  text: string;
  offset: number;
  number: number;
}

/** A character of an instruction, joined over continuations, with where it sits in the file. */
interface PlacedChar {
  char: string;
  offset: number;
  line: number;
}

type Word = PlacedChar[];

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const KNOWN_DIRECTIVES = new Set(['syntax', 'escape', 'check']);
const HEREDOC_INSTRUCTIONS = new Set(['RUN', 'COPY', 'ADD']);
const HEREDOC_WORD = /^(\d*)<<(-?)([^<]*)$/;
const BYTE_ORDER_MARK = '\uFEFF';

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

  for (const words of readInstructions(text)) {
    const keyword = wordText(words[0]).toUpperCase();
    const args = words.slice(1);
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

function leadingFlags(args: Word[]): Word[] {
  const end = args.findIndex((word) => !wordText(word).startsWith('--'));
  return end === -1 ? args : args.slice(0, end);
}

/** Each instruction of the file as whitespace-separated words; comments and heredoc bodies are skipped. */
function readInstructions(text: string): Word[][] {
  const lines = physicalLines(text);
  const continuation = continuationPattern(escapeCharacter(lines));
  const instructions: Word[][] = [];
  let index = 0;

  while (index < lines.length) {
    const chars: PlacedChar[] = [];
    let line = lines[index++];
    if (isComment(line.text)) continue;
    let leading = /^[ \t]*/.exec(line.text)![0].length;
    for (;;) {
      const escape = continuation.exec(line.text);
      const end = escape ? escape.index : line.text.length;
      for (let i = leading; i < end; i++) chars.push({ char: line.text[i], offset: line.offset + i, line: line.number });
      if (!escape) break;
      while (index < lines.length && (isComment(lines[index].text) || lines[index].text.trim() === '')) index++;
      if (index >= lines.length) break;
      line = lines[index++];
      leading = 0;
    }

    const words = splitWords(chars);
    if (words.length === 0) continue;
    instructions.push(words);
    const args = words.slice(1);
    if (HEREDOC_INSTRUCTIONS.has(wordText(words[0]).toUpperCase()) && !isJsonForm(args)) {
      index = skipHeredocBodies(lines, index, chars.map((c) => c.char).join(''));
    }
  }
  return instructions;
}

function physicalLines(text: string): PhysicalLine[] {
  const lines: PhysicalLine[] = [];
  let offset = text.startsWith(BYTE_ORDER_MARK) ? 1 : 0;
  const body = text.slice(offset);
  body.split('\n').forEach((raw, i) => {
    lines.push({ text: raw.endsWith('\r') ? raw.slice(0, -1) : raw, offset, number: i + 1 });
    offset += raw.length + 1;
  });
  return lines;
}

/** The escape character set by a parser directive at the top of the file (default backslash). */
function escapeCharacter(lines: PhysicalLine[]): string {
  let escape = '\\';
  for (const line of lines) {
    const directive = DIRECTIVE.exec(line.text);
    if (!directive || !KNOWN_DIRECTIVES.has(directive[1].toLowerCase())) break;
    if (directive[1].toLowerCase() === 'escape' && (directive[2] === '`' || directive[2] === '\\')) {
      escape = directive[2];
    }
  }
  return escape;
}

function continuationPattern(escape: string): RegExp {
  return new RegExp(`${escape === '\\' ? '\\\\' : escape}[ \\t]*$`);
}

function isComment(line: string): boolean {
  return line.trimStart().startsWith('#');
}

function splitWords(chars: PlacedChar[]): Word[] {
  const words: Word[] = [];
  let current: Word = [];
  for (const c of chars) {
    if (c.char === ' ' || c.char === '\t') {
      if (current.length) words.push(current);
      current = [];
    } else {
      current.push(c);
    }
  }
  if (current.length) words.push(current);
  return words;
}

function wordText(word: Word): string {
  return word.map((c) => c.char).join('');
}

/** Exec form: the arguments after the flags are a JSON array of strings (such lines hold no heredocs). */
function isJsonForm(args: Word[]): boolean {
  const rest = args.slice(leadingFlags(args).length).map(wordText).join(' ');
  if (!rest.startsWith('[')) return false;
  try {
    const parsed: unknown = JSON.parse(rest);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string');
  } catch {
    return false;
  }
}

/** Skips the bodies of the heredocs (<<EOF, <<-"EOF") that an instruction opens; returns the next line index. */
function skipHeredocBodies(lines: PhysicalLine[], index: number, instruction: string): number {
  for (const word of shellWords(instruction)) {
    const heredoc = HEREDOC_WORD.exec(word);
    if (!heredoc) continue;
    const terminator = heredoc[3].replace(/["']/g, '');
    if (terminator === '') continue;
    const stripTabs = heredoc[2] === '-';
    while (index < lines.length) {
      const candidate = lines[index++].text;
      if ((stripTabs ? candidate.replace(/^\t+/, '') : candidate) === terminator) break;
    }
  }
  return index;
}

/** Splits on whitespace outside single and double quotes (quotes kept), enough to find heredoc words. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quote) {
      if (char === '\\' && quote === '"' && i + 1 < line.length) current += char + line[++i];
      else {
        if (char === quote) quote = undefined;
        current += char;
      }
    } else if (char === ' ' || char === '\t') {
      if (current) words.push(current);
      current = '';
    } else {
      if (char === '"' || char === "'") quote = char;
      current += char;
    }
  }
  if (current) words.push(current);
  return words;
}
