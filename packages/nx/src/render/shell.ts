/** Quoting for POSIX sh, and the one form in which Stagecraft puts a script into a Dockerfile. */

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The argument in single quotes, so that sh takes it literally as one word. */
export function shellQuote(arg: string): string {
  assertNoNul(arg, 'a shell argument');
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function shellJoin(args: readonly string[]): string {
  return args.map(shellQuote).join(' ');
}

/** NAME=value with only the value quoted: NAME='value'. */
export function shellEnvAssignment(assignment: string): string {
  const equals = assignment.indexOf('=');
  const name = equals === -1 ? assignment : assignment.slice(0, equals);
  if (equals === -1 || !ENV_NAME.test(name)) {
    throw new Error(`expected NAME=value with NAME made of letters, digits and _, got ${JSON.stringify(assignment)}`);
  }
  return `${name}=${shellQuote(assignment.slice(equals + 1))}`;
}

/**
 * A RUN instruction in exec form whose script is one JSON string: the script's
 * newlines, quotes and backslashes are escaped, so nothing in it can end the
 * line or start another Dockerfile instruction.
 */
export function runInstruction(script: string): string {
  assertNoNul(script, 'a shell script');
  return `RUN ${JSON.stringify(['/bin/sh', '-ec', script])}`;
}

function assertNoNul(text: string, what: string): void {
  if (text.includes('\0')) throw new Error(`${what} cannot contain a NUL character: ${JSON.stringify(text)}`);
}
