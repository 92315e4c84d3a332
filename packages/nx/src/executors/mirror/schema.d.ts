export type MirrorExecutorOptions = Record<string, never>;
