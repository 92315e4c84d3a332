/** Records when each stage of a batch starts and ends, and writes the timeline files when the batch is done. */
import { mkdirSync } from 'node:fs';
import { writeFileAtomically } from '../util/atomic';
import { join } from 'node:path';
import type { StageOutcome } from './outcome';
import { MANIFEST_DIR } from './manifest';
import { traceEvents, type TimelineEntry } from './timeline';
import { timelineSvg } from './timeline-svg';

export const TIMELINE_FILES = [join(MANIFEST_DIR, 'timeline.json'), join(MANIFEST_DIR, 'timeline.svg')];

export class TimelineRecorder {
  private readonly startedAt = new Date();
  private readonly starts = new Map<string, number>();
  private readonly entries: TimelineEntry[] = [];

  /** upstreamOf: a stage's upstream stages in this batch. */
  constructor(private readonly upstreamOf: (stage: string) => string[]) {}

  started(stage: string): void {
    this.starts.set(stage, this.elapsed());
  }

  ended(outcome: StageOutcome): void {
    const endMs = this.elapsed();
    const { stage, status, tag, message } = outcome;
    this.entries.push({ stage, status, startMs: this.starts.get(stage) ?? endMs, endMs, upstream: this.upstreamOf(stage), tag, message });
  }

  /** Writes dist/stagecraft/timeline.json (Chrome trace events) and timeline.svg; returns their workspace paths. */
  write(workspaceRoot: string): string[] {
    const [json, svg] = TIMELINE_FILES;
    mkdirSync(join(workspaceRoot, MANIFEST_DIR), { recursive: true });
    writeFileAtomically(join(workspaceRoot, json), `${JSON.stringify(traceEvents(this.entries, this.startedAt), null, 1)}\n`);
    writeFileAtomically(join(workspaceRoot, svg), timelineSvg(this.entries, this.startedAt));
    return TIMELINE_FILES;
  }

  private elapsed(): number {
    return Date.now() - this.startedAt.getTime();
  }
}
