export interface PruneExecutorOptions {
  keep?: number;
  dryRun?: boolean;
}
