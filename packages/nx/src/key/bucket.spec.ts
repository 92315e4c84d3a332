import { clockFromEnv, timeBucket } from './bucket';

describe('timeBucket', () => {
  it.each([
    ['2026-11-21T12:00:00Z', '2026-W47'],
    ['2021-01-03T23:59:59Z', '2020-W53'],
    ['2024-12-30T00:00:00Z', '2025-W01'],
    ['2026-01-01T00:00:00Z', '2026-W01'],
  ])('gives the ISO week of %s as %s', (when, expected) => {
    expect(timeBucket('isoweek', new Date(when))).toBe(expected);
  });

  it('gives day, month and never buckets', () => {
    const now = new Date('2026-03-04T05:06:07Z');
    expect(timeBucket('day', now)).toBe('2026-03-04');
    expect(timeBucket('month', now)).toBe('2026-03');
    expect(timeBucket('never', now)).toBe('');
  });
});

describe('clockFromEnv', () => {
  it('uses STAGECRAFT_NOW when set', () => {
    expect(clockFromEnv({ STAGECRAFT_NOW: '2026-11-21T00:00:00Z' }).toISOString()).toBe('2026-11-21T00:00:00.000Z');
  });
  it('rejects a value that is not a date, naming it', () => {
    expect(() => clockFromEnv({ STAGECRAFT_NOW: 'tuesday' })).toThrow(/STAGECRAFT_NOW='tuesday'/);
  });
});
