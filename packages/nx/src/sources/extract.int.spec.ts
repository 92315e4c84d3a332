import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { extractArchive } from './extract';

interface Member {
  name: string;
  content?: string;
  type?: 'file' | 'symlink' | 'directory';
  linkname?: string;
}

async function craftTar(file: string, members: Member[]): Promise<void> {
  const archive = pack();
  for (const member of members) archive.entry({ name: member.name, type: member.type ?? 'file', linkname: member.linkname }, member.content ?? '');
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  writeFileSync(file, Buffer.concat(chunks));
}

describe('extractArchive (system tar)', () => {
  let temp: string;
  beforeEach(() => {
    temp = mkdtempSync(join(tmpdir(), 'stagecraft-extract-'));
    mkdirSync(join(temp, 'tree', 'pkg-1.2', 'src'), { recursive: true });
    writeFileSync(join(temp, 'tree', 'pkg-1.2', 'configure'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(temp, 'tree', 'pkg-1.2', 'src', 'main.c'), 'int main(void) { return 0; }\n');
  });
  afterEach(() => rmSync(temp, { recursive: true, force: true }));

  const siblingsOf = (dir: string) => readdirSync(join(dir, '..'));

  it.each([
    ['tar', []],
    ['tar.gz', ['-z']],
    ['tgz', ['-z']],
    ['tar.bz2', ['-j']],
    ['tar.xz', ['-J']],
  ])('unpacks a .%s, stripping its single top-level directory', async (extension, flags) => {
    const archive = join(temp, `pkg.${extension}`);
    execFileSync('tar', ['-c', ...flags, '-f', archive, '-C', join(temp, 'tree'), 'pkg-1.2']);
    const dest = join(temp, 'out', 'pkg');
    await extractArchive(archive, dest);
    expect(readdirSync(dest).sort()).toEqual(['configure', 'src']);
    expect(readFileSync(join(dest, 'src', 'main.c'), 'utf8')).toBe('int main(void) { return 0; }\n');
    expect(statSync(join(dest, 'configure')).mode & 0o111).not.toBe(0);
    expect(siblingsOf(dest)).toEqual(['pkg']);
  });

  it('keeps the layout of an archive with several top-level entries', async () => {
    const archive = join(temp, 'flat.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', join(temp, 'tree', 'pkg-1.2'), 'configure', 'src']);
    const dest = join(temp, 'out');
    await extractArchive(archive, dest);
    expect(readdirSync(dest).sort()).toEqual(['configure', 'src']);
  });

  it('does not strip a single top-level file', async () => {
    const archive = join(temp, 'one.tar');
    execFileSync('tar', ['-cf', archive, '-C', join(temp, 'tree', 'pkg-1.2'), 'configure']);
    const dest = join(temp, 'out');
    await extractArchive(archive, dest);
    expect(readdirSync(dest)).toEqual(['configure']);
  });

  it("refuses a member that escapes the directory through '..'", async () => {
    const archive = join(temp, 'dotdot.tar');
    await craftTar(archive, [
      { name: 'pkg/ok.txt', content: 'fine\n' },
      { name: 'pkg/../../escaped.txt', content: 'evil\n' },
    ]);
    const dest = join(temp, 'out', 'dest');
    await expect(extractArchive(archive, dest)).rejects.toThrow(/could not unpack .*dotdot\.tar: .*Member name contains '\.\.'/s);
    expect(existsSync(join(temp, 'escaped.txt'))).toBe(false);
    expect(existsSync(join(temp, 'out', 'escaped.txt'))).toBe(false);
    expect(siblingsOf(dest)).toEqual([]);
  });

  it('refuses a member written through a symlink that points outside the directory', async () => {
    const archive = join(temp, 'symlink.tar');
    await craftTar(archive, [
      { name: 'pkg/up', type: 'symlink', linkname: '../../..' },
      { name: 'pkg/up/through.txt', content: 'evil\n' },
    ]);
    const dest = join(temp, 'out', 'dest');
    await expect(extractArchive(archive, dest)).rejects.toThrow(/could not unpack .*symlink\.tar: .*pkg\/up\/through\.txt/s);
    expect(existsSync(join(temp, 'through.txt'))).toBe(false);
    expect(existsSync(join(temp, 'out', 'through.txt'))).toBe(false);
    expect(siblingsOf(dest)).toEqual([]);
  });

  it('reports a file that is not a tar archive', async () => {
    const archive = join(temp, 'pkg.zip');
    writeFileSync(archive, 'PK\u0003\u0004 not really a zip');
    await expect(extractArchive(archive, join(temp, 'out', 'dest'))).rejects.toThrow(/could not unpack .*pkg\.zip: tar: /);
  });
});
