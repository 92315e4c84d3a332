export interface RunExecutorOptions {
  command?: string;
  env?: string[];
  interactive?: boolean;
  network?: string;
  /** The raw arguments after the target: leading run options, then the command. */
  __unparsed__?: string[];
}
