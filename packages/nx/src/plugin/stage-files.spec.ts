import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definitionHash, stageDirectories } from './stage-files';

describe('stageDirectories', () => {
  it('gives one directory per stage, sorted, without the workspace root', () => {
    expect(stageDirectories(['b/stage.json', 'b/Dockerfile', 'a/Dockerfile', 'Dockerfile'])).toEqual(['a', 'b']);
  });

  it('ignores a Dockerfile-only directory inside another stage, but keeps a nested stage.json', () => {
    expect(
      stageDirectories([
        'libpng/stage.json',
        'libpng/source/contrib/oss-fuzz/Dockerfile',
        'group/stage.json',
        'group/child/stage.json',
      ]),
    ).toEqual(['group', 'group/child', 'libpng']);
  });
});

describe('definitionHash', () => {
  it('changes when the stage pin file changes, so the cache of loaded stages sees a moved pin', () => {
    const root = mkdtempSync(join(tmpdir(), 'stagecraft-defhash-'));
    try {
      mkdirSync(join(root, 'a'));
      writeFileSync(join(root, 'a', 'stage.json'), '{}');
      const before = definitionHash(root, 'a', 'salt');
      writeFileSync(join(root, 'a', 'stage.lock.json'), '{"source": {}}');
      const pinned = definitionHash(root, 'a', 'salt');
      writeFileSync(join(root, 'a', 'stage.lock.json'), '{"source": {"moved": true}}');
      expect(new Set([before, pinned, definitionHash(root, 'a', 'salt')]).size).toBe(3);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
