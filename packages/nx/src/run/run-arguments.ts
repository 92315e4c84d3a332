
/** How a command runs in a stage image: set on the target, or as flags before the command. */
export interface RunSettings {
  command?: string;
  env?: string[];
  interactive?: boolean;
  network?: string;
}

/** The run target's options: its settings and the raw arguments after the target (leading run options, then the command). */
export interface RunRequest extends RunSettings {
  __unparsed__?: string[];
}

export interface RunArguments {
  /** Run options given on the command line before the command. */
  flags: RunSettings;
  command: string[];
}

/**
 * Splits `nx run stage:run [--env NAME] [--interactive] [--network X] [--command X] [--] command...`.
 * Nx also parses the command's own arguments as options (`-- ls --env x` sets
 * env), so only the leading run options count and the rest is the command,
 * passed on verbatim.
 */
export function splitRunArguments(unparsed: readonly string[]): RunArguments {
  const flags: RunSettings = {};
  let index = 0;
  while (index < unparsed.length) {
    const token = unparsed[index];
    if (token === '--') {
      index++;
      break;
    }
    const match = /^--(no-)?(env|interactive|network|command)(?:=(.*))?$/s.exec(token);
    if (!match) break;
    const [, negated, name, inline] = match;
    if (name === 'interactive') {
      flags.interactive = negated ? false : inline === undefined ? true : inline !== 'false';
      index++;
      continue;
    }
    if (negated) throw new Error(`--no-${name} is not an option of run`);
    const value = inline ?? unparsed[index + 1];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    index += inline === undefined ? 2 : 1;
    if (name === 'env') flags.env = [...(flags.env ?? []), value];
    else flags[name as 'network' | 'command'] = value;
  }
  return { flags, command: unparsed.slice(index) };
}

/** The options in the project configuration and nx.json's targetDefaults, with the chosen configuration's on top. */
export function configuredSettings(target: { options?: RunSettings; configurations?: Record<string, RunSettings> } | undefined, configurationName?: string): RunSettings {
  const configured: RunSettings & Record<string, unknown> = { ...(target?.options ?? {}), ...((configurationName && target?.configurations?.[configurationName]) || {}) };
  const { command, env, interactive, network } = configured;
  return Object.fromEntries(Object.entries({ command, env, interactive, network }).filter(([, value]) => value !== undefined));
}

/** The command to run: the arguments, else the `command` option through sh -c, else an interactive shell. */
export function commandToRun(args: string[], settings: RunSettings, interactive: boolean, runTarget: string): string[] {
  if (args.length) return args;
  if (settings.command) return ['sh', '-c', settings.command];
  if (interactive) return ['sh'];
  throw new Error(`no command to run: give one after --, e.g. nx run <stage>:${runTarget} -- make test, or set the command option`);
}

/** The container's working directory: the caller's directory, mapped under /work when it is inside the workspace. */
export function containerWorkingDir(workspaceRoot: string, cwd: string, relativePath: (from: string, to: string) => string): string {
  const rel = relativePath(workspaceRoot, cwd).split('\\').join('/');
  if (rel === '' ) return '/work';
  if (rel.startsWith('../') || rel === '..' || /^([A-Za-z]:)?\//.test(rel)) return '/work';
  return `/work/${rel}`;
}

/** NAME=value for each listed variable that is set in the caller's environment. */
export function passedEnvironment(names: readonly string[], env: NodeJS.ProcessEnv): string[] {
  return names.filter((name) => env[name] !== undefined).map((name) => `${name}=${env[name]}`);
}
