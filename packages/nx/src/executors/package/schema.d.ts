// The package target takes no options: what it copies is the stage's exports.packages.
export type PackageExecutorOptions = Record<string, never>;
