/** The run's timeline as a picture: one row per stage, coloured by status, waits in grey, the critical path outlined. */
import type { StageStatus } from './outcome';
import { criticalPath, lastUpstream, timelineRows, type TimelineEntry } from './timeline';

export const STATUS_COLOURS: Record<StageStatus, string> = {
  built: '#2e7d32',
  equivalent: '#9ccc65',
  pulled: '#1565c0',
  copied: '#6a1b9a',
  remote: '#4db6ac',
  present: '#90a4ae',
  failed: '#c62828',
  skipped: '#f9a825',
};

const WIDTH = 960;
const LABEL_WIDTH = 230;
const RIGHT_MARGIN = 70;
const ROW_HEIGHT = 18;
const TOP = 34;
const AXIS_HEIGHT = 22;
const LEGEND_HEIGHT = 26;

export function timelineSvg(entries: TimelineEntry[], startedAt: Date): string {
  const rows = timelineRows(entries);
  const critical = new Set(criticalPath(entries));
  const byStage = new Map(entries.map((entry) => [entry.stage, entry]));
  const totalMs = Math.max(1, ...entries.map((entry) => entry.endMs));
  const plotWidth = WIDTH - LABEL_WIDTH - RIGHT_MARGIN;
  const x = (ms: number) => LABEL_WIDTH + (ms / totalMs) * plotWidth;
  const height = TOP + rows.length * ROW_HEIGHT + AXIS_HEIGHT + LEGEND_HEIGHT;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="8" y="18" font-size="13" font-weight="bold">${escape(title(entries, totalMs, startedAt))}</text>`,
  ];
  rows.forEach((entry, index) => {
    const y = TOP + index * ROW_HEIGHT;
    const onPath = critical.has(entry.stage);
    if (index % 2 === 0) parts.push(`<rect x="0" y="${y}" width="${WIDTH}" height="${ROW_HEIGHT}" fill="#f5f5f5"/>`);
    parts.push(`<text x="8" y="${y + 13}"${onPath ? ' font-weight="bold"' : ''}>${escape(entry.stage)}</text>`);
    const waitedFor = lastUpstream(entry, byStage);
    if (entry.startMs > 0) {
      const what = waitedFor ? `waiting for ${waitedFor.stage}` : 'queued';
      parts.push(
        `<rect x="${n(x(0))}" y="${y + 8}" width="${n(x(entry.startMs) - x(0))}" height="2" fill="#cfd8dc"><title>${escape(`${entry.stage}: ${what}`)}</title></rect>`,
      );
    }
    const width = Math.max(x(entry.endMs) - x(entry.startMs), 2);
    const outline = onPath ? ' stroke="#000000" stroke-width="2"' : '';
    const tooltip = `${entry.stage}: ${entry.status}, ${seconds(entry.endMs - entry.startMs)}${entry.tag ? `, ${entry.tag}` : ''}${onPath ? ', critical path' : ''}`;
    parts.push(
      `<rect x="${n(x(entry.startMs))}" y="${y + 3}" width="${n(width)}" height="${ROW_HEIGHT - 6}" fill="${STATUS_COLOURS[entry.status]}"${outline}><title>${escape(tooltip)}</title></rect>`,
    );
    parts.push(`<text x="${n(x(entry.startMs) + width + 4)}" y="${y + 13}" fill="#455a64">${seconds(entry.endMs - entry.startMs)}</text>`);
  });
  const axisY = TOP + rows.length * ROW_HEIGHT;
  parts.push(...axis(totalMs, axisY, x));
  parts.push(...legend(axisY + AXIS_HEIGHT + 16));
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function title(entries: TimelineEntry[], totalMs: number, startedAt: Date): string {
  return `Stagecraft run of ${startedAt.toISOString().replace(/\.\d+Z$/, 'Z')}: ${entries.length} stage${entries.length === 1 ? '' : 's'}, ${seconds(totalMs)}`;
}

function axis(totalMs: number, y: number, x: (ms: number) => number): string[] {
  const step = tickStep(totalMs);
  const parts = [`<line x1="${n(x(0))}" y1="${y}" x2="${n(x(totalMs))}" y2="${y}" stroke="#455a64"/>`];
  for (let ms = 0; ms <= totalMs; ms += step) {
    parts.push(`<line x1="${n(x(ms))}" y1="${y}" x2="${n(x(ms))}" y2="${y + 4}" stroke="#455a64"/>`);
    parts.push(`<text x="${n(x(ms))}" y="${y + 15}" text-anchor="middle" fill="#455a64">${ms / 1000} s</text>`);
  }
  return parts;
}

function legend(y: number): string[] {
  const items: [string, string][] = [
    ...Object.entries(STATUS_COLOURS).map(([status, colour]): [string, string] => [status, `fill="${colour}"`]),
    ['critical path', 'fill="#ffffff" stroke="#000000" stroke-width="2"'],
    ['waiting', 'fill="#cfd8dc"'],
  ];
  return items.map(([label, style], index) => {
    const left = 8 + index * 105;
    return `<rect x="${left}" y="${y - 9}" width="14" height="10" ${style}/><text x="${left + 19}" y="${y}">${label}</text>`;
  });
}

/** A round tick interval giving about eight ticks. */
function tickStep(totalMs: number): number {
  const rough = totalMs / 8;
  for (const candidate of [100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000]) {
    if (candidate >= rough) return candidate;
  }
  return 1_800_000;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function n(value: number): string {
  return value.toFixed(1);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
