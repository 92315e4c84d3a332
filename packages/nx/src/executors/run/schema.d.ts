import type { RunRequest } from '../../run/run-arguments';

export type RunExecutorOptions = RunRequest;
