import type { Refresh } from '../stage/types';

/**
 * The time bucket a tag belongs to: a new bucket forces a rebuild (OpenBMC's
 * ISO week). Computed in UTC from the clock the caller passes in.
 */
export function timeBucket(refresh: Refresh, now: Date): string {
  const year = now.getUTCFullYear();
  const month = pad(now.getUTCMonth() + 1);
  switch (refresh) {
    case 'never':
      return '';
    case 'day':
      return `${year}-${month}-${pad(now.getUTCDate())}`;
    case 'month':
      return `${year}-${month}`;
    case 'isoweek': {
      const { isoYear, week } = isoWeek(now);
      return `${isoYear}-W${pad(week)}`;
    }
  }
}

function isoWeek(now: Date): { isoYear: number; week: number } {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  // The ISO week belongs to the year of its Thursday.
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const isoYear = day.getUTCFullYear();
  const firstOfYear = Date.UTC(isoYear, 0, 1);
  const week = Math.ceil(((day.getTime() - firstOfYear) / 86_400_000 + 1) / 7);
  return { isoYear, week };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The clock executors use: STAGECRAFT_NOW (an ISO date) when set, so runs can be pinned to a bucket. */
export function clockFromEnv(env: NodeJS.ProcessEnv = process.env): Date {
  const pinned = env['STAGECRAFT_NOW'];
  if (!pinned) return new Date();
  const date = new Date(pinned);
  if (Number.isNaN(date.getTime())) {
    throw new Error(`STAGECRAFT_NOW='${pinned}' is not a date; expected an ISO 8601 date such as 2026-11-21T00:00:00Z`);
  }
  return date;
}
