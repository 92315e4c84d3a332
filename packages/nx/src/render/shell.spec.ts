import { execFileSync } from 'node:child_process';
import { runInstruction, shellEnvAssignment, shellJoin, shellQuote } from './shell';

/** The words sh makes of a command line, each exactly as the program would receive it. */
function wordsOf(commandLine: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `set -- ${commandLine}; printf '%s\\0' "$@"`], { encoding: 'utf8', env: {} });
  return out.split('\0').slice(0, -1);
}

const HOSTILE = ['', 'plain', "it's", "''", 'a "b" c', 'back\\slash\\', 'new\nline', 'cr\rx', '$HOME', '$(id)', '`id`', '; rm -rf /', '*', '~', 'tab\there', '\u00e9\u2028x'];

describe('shellQuote', () => {
  it('single-quotes and escapes single quotes as \'\\\'\'', () => {
    expect(shellQuote('abc')).toBe("'abc'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('')).toBe("''");
  });

  it.each(HOSTILE)('makes sh see %j as exactly one word, unchanged', (value) => {
    expect(wordsOf(shellQuote(value))).toEqual([value]);
  });

  it('rejects NUL, which no shell argument can carry', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });
});

describe('shellJoin', () => {
  it('quotes each argument and joins them with spaces', () => {
    expect(shellJoin(['a b', "c'd"])).toBe("'a b' 'c'\\''d'");
    expect(shellJoin([])).toBe('');
  });

  it('round-trips through sh', () => {
    expect(wordsOf(shellJoin(HOSTILE))).toEqual(HOSTILE);
  });
});

describe('shellEnvAssignment', () => {
  it('quotes only the value, which may contain =', () => {
    expect(shellEnvAssignment('CFLAGS=-O2 -g')).toBe("CFLAGS='-O2 -g'");
    expect(shellEnvAssignment('A=b=c')).toBe("A='b=c'");
    expect(shellEnvAssignment('EMPTY=')).toBe("EMPTY=''");
  });

  it('gives env a variable with the exact value', () => {
    const value = "x'$(id)`id`\n\"\\";
    const out = execFileSync('/bin/sh', ['-c', `env ${shellEnvAssignment(`V=${value}`)} /bin/sh -c 'printf %s "$V"'`], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(out).toBe(value);
  });

  it('rejects a missing = or a name that is not a variable name', () => {
    expect(() => shellEnvAssignment('NOVALUE')).toThrow(/NAME=value/);
    expect(() => shellEnvAssignment('=x')).toThrow(/NAME=value/);
    expect(() => shellEnvAssignment('1A=x')).toThrow(/NAME=value/);
    expect(() => shellEnvAssignment('$(id)=x')).toThrow(/NAME=value/);
  });
});

describe('runInstruction', () => {
  it('writes an exec-form RUN with the script as one JSON string', () => {
    expect(runInstruction('make && make install')).toBe('RUN ["/bin/sh","-ec","make && make install"]');
  });

  it.each(HOSTILE)('keeps %j on one line and recovers it with JSON.parse', (value) => {
    const line = runInstruction(`echo ${value}`);
    expect(line).not.toMatch(/[\n\r]/);
    expect(line.startsWith('RUN [')).toBe(true);
    expect(line.endsWith('"]')).toBe(true);
    expect(JSON.parse(line.slice('RUN '.length))).toEqual(['/bin/sh', '-ec', `echo ${value}`]);
  });

  it('rejects NUL', () => {
    expect(() => runInstruction('a\0')).toThrow(/NUL/);
  });
});
