/** The files that define a stage, and which of them an error about the stage names. */
import type { Stage } from './types';

export const STAGE_FILE_NAME = 'stage.json';
export const DOCKERFILE_NAME = 'Dockerfile';
/** A directory with either of these is a stage. */
export const STAGE_FILE_NAMES: readonly string[] = [STAGE_FILE_NAME, DOCKERFILE_NAME];

/** The file that defines a stage: its stage.json, or its Dockerfile when it has no stage.json. */
export function definingFile(stage: Pick<Stage, 'stageFile' | 'dockerfilePath' | 'root'>): string {
  return stage.stageFile ?? stage.dockerfilePath ?? stage.root;
}
