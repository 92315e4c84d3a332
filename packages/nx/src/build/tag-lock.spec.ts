import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { withTagLock } from './tag-lock';

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

  it('takes over a lock whose process is gone', async () => {
    const file = join(dir, `${createHash('sha256').update('x:1').digest('hex').slice(0, 32)}.lock`);
    writeFileSync(file, '999999999');
    await expect(withTagLock(dir, 'x:1', async () => 'done')).resolves.toBe('done');
  });
});
