import type { RunRequest } from '../../build/run-arguments';

export type RunExecutorOptions = RunRequest;
