import type { StageOutcome } from './ensure-stage';

/** One line per stage (status, time, name, tag), a count per status, and where the run's timeline is. */
export function runSummary(outcomes: StageOutcome[], timelineFiles: string[] = []): string {
  const counts = { built: 0, pulled: 0, copied: 0, remote: 0, present: 0, failed: 0, skipped: 0 };
  for (const outcome of outcomes) counts[outcome.status]++;
  const width = Math.max(0, ...outcomes.map((o) => o.stage.length));
  const lines = [...outcomes]
    .sort((a, b) => a.stage.localeCompare(b.stage))
    .map((o) => `  ${o.status.padEnd(8)}${seconds(o.durationMs).padStart(8)}  ${o.stage.padEnd(width)}  ${o.tag ?? ''}`.trimEnd());
  const total = Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  const timeline = timelineFiles.length ? [`  timeline: ${timelineFiles.join(', ')}`] : [];
  return [`Stagecraft: ${outcomes.length} stage${outcomes.length === 1 ? '' : 's'}: ${total}`, ...lines, ...timeline].join('\n');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
}
