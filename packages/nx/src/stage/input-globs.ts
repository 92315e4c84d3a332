/** Where a stage's declared input globs (stage.json inputs and optionalInputs) point, for every reader of them. */
import { posix } from 'node:path';
import type { Stage } from './types';

const WORKSPACE_ROOT_PREFIX = '{workspaceRoot}/';

/**
 * A declared input glob as a glob relative to the workspace root: under the stage
 * directory unless it starts with {workspaceRoot}/, with `.` segments, repeated and
 * trailing slashes removed, so the key, Nx's inputs and git all read the same files.
 * (The schema already refuses absolute paths and `..` segments.)
 */
export function inputGlobPath(stageRoot: string, glob: string): string {
  const relative = glob.startsWith(WORKSPACE_ROOT_PREFIX) ? glob.slice(WORKSPACE_ROOT_PREFIX.length) : posix.join(stageRoot, glob);
  return posix.normalize(relative).replace(/\/+$/, '');
}

/** Every declared input glob of the stage (inputs, then optionalInputs), relative to the workspace root. */
export function declaredInputPaths(stage: Pick<Stage, 'root' | 'inputs' | 'optionalInputs'>): string[] {
  return [...stage.inputs, ...(stage.optionalInputs ?? [])].map((glob) => inputGlobPath(stage.root, glob));
}

/** A workspace-relative path as an Nx file input. */
export function workspaceInput(path: string): string {
  return `${WORKSPACE_ROOT_PREFIX}${path}`;
}
