/**
 * Every bad input is reported as a StageError that names the file (relative to
 * the workspace root), the field as a JSON pointer, and what was expected.
 */
export class StageError extends Error {
  constructor(
    readonly file: string,
    readonly pointer: string,
    readonly problem: string,
  ) {
    super(`${file}${pointer ? ` at ${pointer}` : ''}: ${problem}`);
    this.name = 'StageError';
  }
}

/** Several StageErrors found in one pass, reported together. */
export class StageErrors extends Error {
  constructor(readonly errors: StageError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'StageErrors';
  }
}
