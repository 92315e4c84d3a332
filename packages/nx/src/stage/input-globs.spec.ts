import { declaredInputPaths, inputGlobPath, workspaceInput } from './input-globs';

describe('inputGlobPath', () => {
  it.each([
    ['patches/*.patch', 'libs/zlib/patches/*.patch'],
    ['./patches/*.patch', 'libs/zlib/patches/*.patch'],
    ['patches/./fix.patch', 'libs/zlib/patches/fix.patch'],
    ['patches//fix.patch', 'libs/zlib/patches/fix.patch'],
    ['patches/', 'libs/zlib/patches'],
    ['**/*.c', 'libs/zlib/**/*.c'],
    ['{a,b}/*.h', 'libs/zlib/{a,b}/*.h'],
    ['{workspaceRoot}/scripts/common.sh', 'scripts/common.sh'],
    ['{workspaceRoot}/./scripts/common.sh', 'scripts/common.sh'],
    ['{workspaceRoot}/scripts//*.sh', 'scripts/*.sh'],
  ])('%s in libs/zlib -> %s', (glob, path) => {
    expect(inputGlobPath('libs/zlib', glob)).toBe(path);
  });

  it('gives every declared glob, inputs first, and the same path as an Nx input', () => {
    const stage = { root: 'libs/zlib', inputs: ['./a.txt', '{workspaceRoot}/b.txt'], optionalInputs: ['c/*'] };
    expect(declaredInputPaths(stage)).toEqual(['libs/zlib/a.txt', 'b.txt', 'libs/zlib/c/*']);
    expect(declaredInputPaths({ root: 'x', inputs: [] })).toEqual([]);
    expect(workspaceInput('libs/zlib/a.txt')).toBe('{workspaceRoot}/libs/zlib/a.txt');
  });
});
