import fs = require('node:fs');
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { withTagLock } from './tag-lock';

const lockName = (tag: string) => createHash('sha256').update(tag).digest('hex').slice(0, 32);

describe('withTagLock', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'stagecraft-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Generation 1 of a tag's lock, as its holder would have left it. */
  const writeLock = (tag: string, record: string) => {
    mkdirSync(join(dir, lockName(tag)), { recursive: true });
    writeFileSync(join(dir, lockName(tag), '1'), record);
  };

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
    writeLock('x:1', record);
    await expect(withTagLock(dir, 'x:1', async () => 'done')).resolves.toBe('done');
    expect(readdirSync(join(dir, lockName('x:1'))).sort()).toEqual(['2', '2.released']);
  });

  it("keeps its files in the tag's own directory, one lock file however often it is taken", async () => {
    await withTagLock(dir, 'x:1', async () => expect(readdirSync(join(dir, lockName('x:1')))).toEqual(['1']));
    for (let i = 0; i < 4; i++) await withTagLock(dir, 'x:1', async () => undefined);
    expect(readdirSync(dir)).toEqual([lockName('x:1')]);
    expect(readdirSync(join(dir, lockName('x:1'))).sort()).toEqual(['5', '5.released']);
  });

  it("reads only its own tag's directory, whatever else the lock directory holds", async () => {
    // 1,000 other tags held by this (live) process, and a flat lock file of an
    // earlier version for this very tag, also held: none of them is this tag's lock.
    for (let i = 0; i < 1000; i++) writeLock(`other:${i}`, String(process.pid));
    writeFileSync(join(dir, `${lockName('x:1')}.1`), String(process.pid));
    const readdir = jest.spyOn(fs, 'readdirSync');
    try {
      await expect(withTagLock(dir, 'x:1', async () => 'done')).resolves.toBe('done');
      expect(new Set(readdir.mock.calls.map(([path]) => path))).toEqual(new Set([join(dir, lockName('x:1'))]));
    } finally {
      readdir.mockRestore();
    }
    expect(readdirSync(join(dir, lockName('other:7')))).toEqual(['1']);
  });
});
