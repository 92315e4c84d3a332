export interface StagePlanExecutorOptions {
  json?: boolean;
}
