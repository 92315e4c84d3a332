import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provenancePath, verifiedPackageFiles, writeProvenance } from './package-provenance';

describe('package provenance', () => {
  let root: string;
  const KEY = 'a'.repeat(64);
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'stagecraft-provenance-'));
    mkdirSync(join(root, 'dist/packages/zlib'), { recursive: true });
    writeFileSync(join(root, 'dist/packages/zlib/zlib_1.3.deb'), 'the package');
    writeProvenance(root, { stage: 'zlib', key: KEY, tag: 'acme-zlib:2026-W47-aaaaaaaaaaaaaaaa' });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('gives the files with their recorded sha256 when everything matches', () => {
    expect(verifiedPackageFiles(root, 'zlib', KEY, 'package')).toEqual([{ file: 'dist/packages/zlib/zlib_1.3.deb', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
  });

  it.each([
    ['a file replaced by other content', () => writeFileSync(join(root, 'dist/packages/zlib/zlib_1.3.deb'), 'other content'), /the package file dist\/packages\/zlib\/zlib_1\.3\.deb does not match its provenance record/],
    ['a file added', () => writeFileSync(join(root, 'dist/packages/zlib/evil.deb'), 'x'), /the package file dist\/packages\/zlib\/evil\.deb is not in zlib's provenance record/],
    ['no record', () => rmSync(join(root, provenancePath('zlib'))), /dist\/packages\/zlib\.provenance\.json is missing or unreadable/],
    ['a garbage record', () => writeFileSync(join(root, provenancePath('zlib')), '{"key":'), /is missing or unreadable/],
  ])('refuses %s', (_case, damage, message) => {
    damage();
    expect(() => verifiedPackageFiles(root, 'zlib', KEY, 'package')).toThrow(message);
  });

  it('refuses packages made by another key of the stage', () => {
    expect(() => verifiedPackageFiles(root, 'zlib', 'b'.repeat(64), 'package')).toThrow(
      'the packages in dist/packages/zlib were made by key aaaaaaaaaaaaaaaa of stage zlib, not by its current key bbbbbbbbbbbbbbbb',
    );
  });
});
