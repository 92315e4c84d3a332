/** A run's timeline: when each stage ran, what it waited for, and the chain that set the run's length. */
import type { StageStatus } from './outcome';

export interface TimelineEntry {
  stage: string;
  status: StageStatus;
  /** Milliseconds since the run started. */
  startMs: number;
  endMs: number;
  /** The stage's upstream stages in this run. */
  upstream: string[];
  tag?: string;
  message?: string;
}

/** The stage that ended last, then the upstream it waited for longest, and so on: upstream first. */
export function criticalPath(entries: TimelineEntry[]): string[] {
  const byStage = new Map(entries.map((entry) => [entry.stage, entry]));
  let current = [...entries].sort((a, b) => b.endMs - a.endMs || a.stage.localeCompare(b.stage))[0];
  const path: string[] = [];
  while (current && !path.includes(current.stage)) {
    path.unshift(current.stage);
    current = current.upstream
      .map((name) => byStage.get(name))
      .filter((entry): entry is TimelineEntry => entry !== undefined)
      .sort((a, b) => b.endMs - a.endMs || a.stage.localeCompare(b.stage))[0];
  }
  return path;
}

/** The upstream that finished last: the one a stage really waited for. */
export function lastUpstream(entry: TimelineEntry, byStage: Map<string, TimelineEntry>): TimelineEntry | undefined {
  return entry.upstream
    .map((name) => byStage.get(name))
    .filter((upstream): upstream is TimelineEntry => upstream !== undefined)
    .sort((a, b) => b.endMs - a.endMs)[0];
}

/** The rows in the order they are drawn: by start, then by name. */
export function timelineRows(entries: TimelineEntry[]): TimelineEntry[] {
  return [...entries].sort((a, b) => a.startMs - b.startMs || a.stage.localeCompare(b.stage));
}

/**
 * Chrome's trace-event format (Perfetto and chrome://tracing open it): one row
 * per stage with a complete event for the stage (its status, tag and whether it
 * is on the critical path as arguments), a "waiting" event before it, and a
 * flow arrow from the upstream it waited for.
 */
export function traceEvents(entries: TimelineEntry[], startedAt: Date): object {
  const critical = new Set(criticalPath(entries));
  const byStage = new Map(entries.map((entry) => [entry.stage, entry]));
  const rows = timelineRows(entries);
  const tid = new Map(rows.map((entry, index) => [entry.stage, index + 1]));
  const us = (ms: number) => Math.round(ms * 1000);
  const events: object[] = [{ name: 'process_name', ph: 'M', pid: 1, args: { name: 'stagecraft docker-stage' } }];
  rows.forEach((entry, index) => {
    const row = { pid: 1, tid: index + 1 };
    events.push({ name: 'thread_name', ph: 'M', ...row, args: { name: entry.stage } });
    events.push({ name: 'thread_sort_index', ph: 'M', ...row, args: { sort_index: index } });
    const waitedFor = lastUpstream(entry, byStage);
    if (entry.startMs > 0) {
      const name = waitedFor ? `waiting for ${waitedFor.stage}` : 'queued';
      events.push({ name, cat: 'wait', ph: 'X', ts: 0, dur: us(entry.startMs), ...row, args: { upstream: entry.upstream } });
    }
    const args = { status: entry.status, criticalPath: critical.has(entry.stage), ...(entry.tag ? { tag: entry.tag } : {}), ...(entry.message ? { message: entry.message } : {}) };
    events.push({ name: entry.stage, cat: 'stage', ph: 'X', ts: us(entry.startMs), dur: us(Math.max(entry.endMs - entry.startMs, 0)), ...row, args });
    if (waitedFor) {
      const id = index + 1;
      events.push({ name: 'upstream', cat: 'dependency', ph: 's', id, ts: us(waitedFor.endMs), pid: 1, tid: tid.get(waitedFor.stage) });
      events.push({ name: 'upstream', cat: 'dependency', ph: 'f', bp: 'e', id, ts: us(Math.max(entry.startMs, waitedFor.endMs)), ...row });
    }
  });
  return { traceEvents: events, displayTimeUnit: 'ms', otherData: { startedAt: startedAt.toISOString(), criticalPath: [...critical] } };
}
