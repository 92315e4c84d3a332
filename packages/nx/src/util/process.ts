import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs a program (no shell) and collects its output, whatever its exit code. */
export function runCommand(program: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
  });
}

/** Runs a program and rejects with `failure` plus the program's own error output when it exits non-zero. */
export async function runChecked(program: string, args: string[], failure: string, options: CommandOptions = {}): Promise<string> {
  const result = await runCommand(program, args, options);
  if (result.code !== 0) throw new Error(`${failure}: ${describeFailure(program, result)}`);
  return result.stdout;
}

/** Runs `producer | consumer` and rejects with `failure` when either side fails. */
export function runPipeline(
  producer: [string, string[]],
  consumer: [string, string[]],
  failure: string,
  options: CommandOptions = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const spawnOptions = { cwd: options.cwd, env: options.env ?? process.env };
    const left = spawn(producer[0], producer[1], { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
    const right = spawn(consumer[0], consumer[1], { ...spawnOptions, stdio: ['pipe', 'ignore', 'pipe'] });
    const errors = { left: [] as Buffer[], right: [] as Buffer[] };
    left.stderr.on('data', (chunk: Buffer) => errors.left.push(chunk));
    right.stderr.on('data', (chunk: Buffer) => errors.right.push(chunk));
    left.stdout.pipe(right.stdin);
    // The consumer may exit early; its exit code says what went wrong, not the broken pipe.
    right.stdin.on('error', () => undefined);

    const exits = [left, right].map(
      (child) =>
        new Promise<number>((done, fail) => {
          child.on('error', fail);
          child.on('close', (code, signal) => done(code ?? (signal ? 128 : 1)));
        }),
    );
    Promise.all(exits).then(([leftCode, rightCode]) => {
      if (leftCode === 0 && rightCode === 0) return resolve();
      const problems = [
        leftCode !== 0 ? describeFailure(producer[0], { code: leftCode, stderr: Buffer.concat(errors.left).toString('utf8') }) : '',
        rightCode !== 0 ? describeFailure(consumer[0], { code: rightCode, stderr: Buffer.concat(errors.right).toString('utf8') }) : '',
      ];
      reject(new Error(`${failure}: ${problems.filter(Boolean).join('; ')}`));
    }, reject);
  });
}

function describeFailure(program: string, result: Pick<CommandResult, 'code' | 'stderr'>): string {
  const output = result.stderr.trim();
  return output ? output : `${program} exited with status ${result.code}`;
}
