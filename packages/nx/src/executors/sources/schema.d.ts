export interface SourcesExecutorOptions {
  /** How many sources to fetch at once in a batch. */
  parallel?: number;
}
