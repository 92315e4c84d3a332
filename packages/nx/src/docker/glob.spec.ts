import { compileGlob, globBaseDir } from './glob';

describe('compileGlob', () => {
  it.each([
    ['/out/*.deb', '/out/foo_1.0_amd64.deb', true],
    ['/out/*.deb', '/out/sub/foo.deb', false],
    ['/out/*.deb', '/out/foo.deb.sig', false],
    ['/out/*.deb', '/out/.hidden.deb', true],
    ['/out/foo-?.tar', '/out/foo-1.tar', true],
    ['/out/foo-?.tar', '/out/foo-12.tar', false],
    ['/out/foo-?.tar', '/out/foo-/.tar', false],
    ['/out/**/*.rpm', '/out/a.rpm', true],
    ['/out/**/*.rpm', '/out/x/y/a.rpm', true],
    ['/out/**/*.rpm', '/outside/a.rpm', false],
    ['/out/**', '/out/x/y/z', true],
    ['/out/**', '/out', false],
    ['/opt/*/lib/*.so', '/opt/a/lib/libx.so', true],
    ['/opt/*/lib/*.so', '/opt/a/b/lib/libx.so', false],
    ['/out/a.b', '/out/aXb', false],
    ['/out/(x)+[y]', '/out/(x)+[y]', true],
    ['/out/exact.txt', '/out/exact.txt', true],
  ])('%s against %s is %s', (glob, path, expected) => {
    expect(compileGlob(glob).test(path)).toBe(expected);
  });

  it('rejects relative, empty, trailing-slash and dot-dot globs', () => {
    for (const bad of ['out/*.deb', '/', '/out/', '/out//x', '/out/../etc/*']) {
      expect(() => compileGlob(bad)).toThrow(bad);
    }
  });
});

describe('globBaseDir', () => {
  it.each([
    ['/out/*.deb', '/out'],
    ['/out/**/*.deb', '/out'],
    ['/opt/*/lib/*.so', '/opt'],
    ['/out/pkg/file.txt', '/out/pkg'],
    ['/*.txt', '/'],
    ['/a/b?/c', '/a'],
  ])('%s -> %s', (glob, dir) => {
    expect(globBaseDir(glob)).toBe(dir);
  });
});
