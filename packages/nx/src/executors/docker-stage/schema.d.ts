export interface DockerStageExecutorOptions {
  force?: boolean;
  printTag?: boolean;
  parallel?: number;
  explain?: boolean;
  pull?: boolean;
}
