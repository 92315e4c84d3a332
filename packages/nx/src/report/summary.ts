import type { StageOutcome } from './outcome';
import { networkMark } from '../stage/network';

/**
 * One line per stage (status, time, name, tag) after a count per status, where the
 * run's timeline is, and last, for each aggregate stage whose image is here, its tag
 * and how to run it.
 */
export function runSummary(outcomes: StageOutcome[], aggregates: ReadonlySet<string> = new Set(), timelineFiles: string[] = []): string {
  const counts = { built: 0, equivalent: 0, pulled: 0, copied: 0, remote: 0, present: 0, failed: 0, skipped: 0 };
  for (const outcome of outcomes) counts[outcome.status]++;
  const width = Math.max(0, ...outcomes.map((o) => o.stage.length));
  const sorted = [...outcomes].sort((a, b) => a.stage.localeCompare(b.stage));
  const statusWidth = Math.max(8, ...outcomes.map((o) => o.status.length + 1));
  const lines = sorted.map((o) => `  ${o.status.padEnd(statusWidth)}${seconds(o.durationMs).padStart(8)}  ${o.stage.padEnd(width)}  ${o.tag ?? ''}${networked(o)}`.trimEnd());
  const total = Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  const finals = sorted.filter((o) => aggregates.has(o.stage) && o.tag && ['built', 'equivalent', 'pulled', 'present'].includes(o.status));
  const hints = finals.flatMap((o) => [`Final image (${o.stage}): ${o.tag}`, `  docker run --rm -it --network=none ${o.tag} sh`]);
  const timeline = timelineFiles.length ? [`  timeline: ${timelineFiles.join(', ')}`] : [];
  return [`Stagecraft: ${outcomes.length} stage${outcomes.length === 1 ? '' : 's'}: ${total}`, ...lines, ...timeline, ...hints].join('\n');
}

function networked(outcome: StageOutcome): string {
  return outcome.network ? `  ${networkMark(outcome.network)}` : '';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
}
