import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { withTagLock } from './tag-lock';

const lockName = (tag: string) => createHash('sha256').update(tag).digest('hex').slice(0, 32);

describe('withTagLock', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'stagecraft-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lets one holder at a time work on a tag', async () => {
    const events: string[] = [];
    const work = (name: string) => async () => {
      events.push(`${name} in`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      events.push(`${name} out`);
    };
    await Promise.all([withTagLock(dir, 'x:1', work('a')), withTagLock(dir, 'x:1', work('b'))]);
    expect(events).toEqual(['a in', 'a out', 'b in', 'b out']);
  });

  it('releases the lock when the work fails', async () => {
    await expect(withTagLock(dir, 'x:1', async () => Promise.reject(new Error('build failed')))).rejects.toThrow('build failed');
    await expect(withTagLock(dir, 'x:1', async () => 'next')).resolves.toBe('next');
  });

  it.each([
    ['whose process is gone', '999999999 1'],
    ['whose pid was reused by another process', `${process.pid} 1`],
    ['holding garbage', '\u0000\u0000garbage'],
    ['that was truncated', ''],
  ])('takes over a lock %s', async (_kind, record) => {
    writeFileSync(join(dir, `${lockName('x:1')}.1`), record);
    await expect(withTagLock(dir, 'x:1', async () => 'done')).resolves.toBe('done');
  });

  it('keeps one lock file per tag however often it is taken', async () => {
    for (let i = 0; i < 5; i++) await withTagLock(dir, 'x:1', async () => undefined);
    expect(readdirSync(dir).sort()).toEqual([`${lockName('x:1')}.5`, `${lockName('x:1')}.5.released`]);
  });
});
