import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashFiles } from './files';

const sha = (content: string) => createHash('sha256').update(content).digest('hex');

describe('hashFiles', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'stagecraft-hash-'));
    mkdirSync(join(root, 'many'));
    for (let i = 0; i < 1500; i++) writeFileSync(join(root, 'many', `f${i}`), `file ${i}\n`);
    writeFileSync(join(root, 'run.sh'), '#!/bin/sh\n');
    chmodSync(join(root, 'run.sh'), 0o755);
    symlinkSync('run.sh', join(root, 'link'));
    writeFileSync(join(root, 'big'), Buffer.alloc(3 * 1024 * 1024 + 7, 1));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('gives content hashes, the executable bit and symlink targets, in the order asked', async () => {
    const hashed = await hashFiles(root, ['run.sh', 'link', 'big']);
    expect(hashed).toEqual([
      { path: 'run.sh', mode: '755', sha256: sha('#!/bin/sh\n') },
      { path: 'link', mode: 'symlink', sha256: sha('run.sh') },
      { path: 'big', mode: '644', sha256: createHash('sha256').update(Buffer.alloc(3 * 1024 * 1024 + 7, 1)).digest('hex') },
    ]);
  });

  it('gives the same answer through worker threads for a large set, in order', async () => {
    const paths = Array.from({ length: 1500 }, (_, i) => `many/f${i}`);
    const hashed = await hashFiles(root, paths);
    expect(hashed.map((h) => h.path)).toEqual(paths);
    expect(hashed[1234].sha256).toBe(sha('file 1234\n'));
  });

  it('fails naming a file that cannot be read', async () => {
    await expect(hashFiles(root, ['missing'])).rejects.toThrow(/missing/);
  });
});
