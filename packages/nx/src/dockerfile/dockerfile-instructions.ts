/**
 * Reading a Dockerfile the way BuildKit does: parser directives, comments,
 * line continuations (with the escape directive's character) and heredoc
 * bodies. Each instruction keeps where it sits in the text, so callers can
 * rewrite parts of it and copy the rest byte for byte.
 */

/** A character of an instruction, joined over continuations, with where it sits in the file. */
export interface PlacedChar {
  char: string;
  offset: number;
  line: number;
}

export type Word = PlacedChar[];

export interface Instruction {
  /** The instruction keyword in upper case (FROM, COPY, ...). */
  keyword: string;
  /** The words after the keyword. */
  args: Word[];
  /** [start, end) of the whole instruction in the text: continuation lines and heredoc bodies included, line break excluded. */
  start: number;
  end: number;
  /** 1-based line where the instruction starts. */
  line: number;
}

export interface ParserDirective {
  name: string;
  value: string;
  line: number;
}

interface PhysicalLine {
  /** The line without its line break (and without a trailing \r). */
  text: string;
  offset: number;
  number: number;
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const KNOWN_DIRECTIVES = new Set(['syntax', 'escape', 'check']);
const HEREDOC_INSTRUCTIONS = new Set(['RUN', 'COPY', 'ADD']);
const HEREDOC_WORD = /^(\d*)<<(-?)([^<]*)$/;
const BYTE_ORDER_MARK = '\uFEFF';

export function wordText(word: Word): string {
  return word.map((c) => c.char).join('');
}

/** The leading --flag words of an instruction's arguments. */
export function leadingFlags(args: Word[]): Word[] {
  const end = args.findIndex((word) => !wordText(word).startsWith('--'));
  return end === -1 ? args : args.slice(0, end);
}

/** The parser directives at the top of the file (syntax, escape, check), lowercased names. */
export function parserDirectives(text: string): ParserDirective[] {
  const directives: ParserDirective[] = [];
  for (const line of physicalLines(text)) {
    const directive = DIRECTIVE.exec(line.text);
    if (!directive || !KNOWN_DIRECTIVES.has(directive[1].toLowerCase())) break;
    directives.push({ name: directive[1].toLowerCase(), value: directive[2], line: line.number });
  }
  return directives;
}

/** Each instruction of the file as whitespace-separated words; comments and heredoc bodies are skipped. */
export function readInstructions(text: string): Instruction[] {
  const lines = physicalLines(text);
  const continuation = continuationPattern(escapeCharacter(text));
  const instructions: Instruction[] = [];
  let index = 0;

  while (index < lines.length) {
    const chars: PlacedChar[] = [];
    const first = lines[index];
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
    const keyword = wordText(words[0]).toUpperCase();
    const args = words.slice(1);
    if (HEREDOC_INSTRUCTIONS.has(keyword) && !isJsonForm(args)) {
      index = skipHeredocBodies(lines, index, chars.map((c) => c.char).join(''));
    }
    const last = lines[index - 1];
    instructions.push({ keyword, args, start: first.offset, end: last.offset + last.text.length, line: first.number });
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
export function escapeCharacter(text: string): string {
  const directive = parserDirectives(text).find((d) => d.name === 'escape' && (d.value === '`' || d.value === '\\'));
  return directive?.value ?? '\\';
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

/** Exec form: the arguments after the flags are a JSON array of strings (such lines hold no heredocs). */
export function isJsonForm(args: Word[]): boolean {
  return jsonFormArguments(args) !== undefined;
}

/** The strings of an exec-form (JSON array) argument list, or undefined for the shell form. */
export function jsonFormArguments(args: Word[]): string[] | undefined {
  const rest = args.slice(leadingFlags(args).length).map(wordText).join(' ');
  if (!rest.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(rest);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? (parsed as string[]) : undefined;
  } catch {
    return undefined;
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
