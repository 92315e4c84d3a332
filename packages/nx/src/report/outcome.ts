import type { NetworkMode } from '../stage/types';

/**
 * present: the image was local. remote: a registry holds it and nothing here needed it.
 * pulled: pulled from a registry. copied: copied from an upstream registry into the workspace
 * registry. equivalent: an image built for the same inputs and upstream outputs got the tag.
 * built, failed, skipped: as they say.
 */
export type StageStatus = 'built' | 'present' | 'remote' | 'pulled' | 'copied' | 'equivalent' | 'failed' | 'skipped';

/** The stage's image exists (locally or in a registry): its task succeeded. */
export function isAvailable(status: StageStatus): boolean {
  return status !== 'failed' && status !== 'skipped';
}

export interface StageOutcome {
  stage: string;
  status: StageStatus;
  tag?: string;
  durationMs: number;
  /** When the batch started and finished this stage (ms since the epoch), for Nx's task timings. */
  startTime?: number;
  endTime?: number;
  message?: string;
  /** A networked stage's network (absent: none), which the summary shows. */
  network?: Exclude<NetworkMode, 'none'>;
}
