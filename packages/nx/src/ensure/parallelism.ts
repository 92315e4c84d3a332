import { readFileSync } from 'node:fs';

const NX_DEFAULT_PARALLEL = 3;

/**
 * How many stages a batch builds at once. Nx does not tell a batch worker its
 * --parallel, so this reads, in order: the executor's own option, the nx
 * command line of the parent process, NX_PARALLEL, nx.json's parallel, and
 * Nx's default of 3.
 */
export function batchParallelism(
  option: number | undefined,
  nxJsonParallel: number | undefined,
  env: NodeJS.ProcessEnv = process.env,
  parentArgs: string[] = parentCommandLine(),
): number {
  if (option && option > 0) return option;
  const fromArgs = parallelFromArgs(parentArgs);
  if (fromArgs) return fromArgs;
  const fromEnv = Number(env['NX_PARALLEL']);
  if (fromEnv > 0) return fromEnv;
  return nxJsonParallel && nxJsonParallel > 0 ? nxJsonParallel : NX_DEFAULT_PARALLEL;
}

export function parallelFromArgs(args: string[]): number | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const inline = /^--parallel=(.*)$/.exec(arg);
    const value = inline ? inline[1] : arg === '--parallel' ? args[i + 1] : undefined;
    if (value === undefined) continue;
    if (value === 'false') return 1;
    const count = Number(value);
    if (Number.isInteger(count) && count > 0) return count;
    return NX_DEFAULT_PARALLEL;
  }
  return undefined;
}

function parentCommandLine(): string[] {
  try {
    return readFileSync(`/proc/${process.ppid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}
