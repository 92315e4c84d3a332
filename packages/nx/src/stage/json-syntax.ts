/** Reading stage.json text: a syntax error names the file, line and column, and what was expected. */
import { StageError } from './errors';

/** Parses stage.json text; a syntax error becomes a StageError with the line and column. */
export function parseStageJson(text: string, file: string): unknown {
  const withoutBom = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return JSON.parse(withoutBom);
  } catch (error) {
    const found = findSyntaxError(withoutBom) ?? { offset: 0, problem: error instanceof Error ? error.message : String(error) };
    const { line, column } = lineAndColumn(withoutBom, found.offset);
    throw new StageError(file, '', `invalid JSON at line ${line}, column ${column}: ${found.problem}`);
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

/**
 * Where JSON.parse gave up, and why: Node's messages do not always give a
 * position, so the text is scanned again by this small recursive-descent reader.
 */
function findSyntaxError(text: string): { offset: number; problem: string } | undefined {
  let at = 0;
  class Stop {
    constructor(readonly offset: number, readonly problem: string) {}
  }
  const describeFound = () => (at >= text.length ? 'the end of the file' : JSON.stringify(text[at]));
  const fail = (expected: string): never => {
    throw new Stop(at, `expected ${expected}, found ${describeFound()}`);
  };
  const skipWhitespace = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at])) at++;
  };
  const take = (char: string, expected: string) => {
    if (text[at] !== char) fail(expected);
    at++;
  };
  const readString = () => {
    at++;
    for (;;) {
      const char = text[at];
      if (char === undefined) fail('a closing "');
      if (char === '"') return void at++;
      if (char < ' ') fail('no control character inside a string (write \\n, \\t ...)');
      if (char === '\\') {
        const escape = /^(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/.exec(text.slice(at + 1, at + 6));
        if (!escape) {
          at++;
          fail('an escape such as \\n, \\" or \\u0041');
        }
        at += 1 + escape![0].length;
      } else at++;
    }
  };
  const readNumber = () => {
    const number = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    number.lastIndex = at;
    if (!number.exec(text)) fail('a number');
    at = number.lastIndex;
  };
  const readMembers = (close: string, readMember: () => void, expectedMember: string) => {
    at++;
    skipWhitespace();
    if (text[at] === close) return void at++;
    for (;;) {
      skipWhitespace();
      readMember();
      skipWhitespace();
      if (text[at] === close) return void at++;
      take(',', `',' or '${close}'`);
      skipWhitespace();
      if (text[at] === close) fail(`${expectedMember} after ',' (JSON allows no trailing comma)`);
    }
  };
  const readValue = (): void => {
    const char = text[at];
    if (char === '{') {
      return readMembers(
        '}',
        () => {
          if (text[at] !== '"') fail('a field name in double quotes');
          readString();
          skipWhitespace();
          take(':', "':'");
          skipWhitespace();
          readValue();
        },
        'a field name',
      );
    }
    if (char === '[') return readMembers(']', readValue, 'a value');
    if (char === '"') return readString();
    if (char === '-' || (char >= '0' && char <= '9')) return readNumber();
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, at)) return void (at += literal.length);
    }
    fail('a value');
  };
  try {
    skipWhitespace();
    readValue();
    skipWhitespace();
    if (at < text.length) fail('the end of the file');
    return undefined;
  } catch (stop) {
    if (stop instanceof Stop) return { offset: stop.offset, problem: stop.problem };
    throw stop;
  }
}
