import { describeNameRule, isValidStageName, MAX_STAGE_NAME_LENGTH, stageNameFromDirectory, stageNameFromPath } from './names';

describe('isValidStageName', () => {
  it.each(['a', 'openssl', 'lib-fmt', 'a--b', 'a.b', 'a_b', 'a__b', 'boost1.84', '0'])('accepts %j', (name) => {
    expect(isValidStageName(name)).toBe(true);
  });

  it.each(['', 'A', 'Lib', '-a', 'a-', '.a', 'a.', 'a..b', 'a___b', 'a._b', 'a b', 'a/b', 'a\nb', 'é'])('rejects %j', (name) => {
    expect(isValidStageName(name)).toBe(false);
  });

  it('accepts 64 characters and rejects 65', () => {
    expect(isValidStageName('a'.repeat(MAX_STAGE_NAME_LENGTH))).toBe(true);
    expect(isValidStageName('a'.repeat(MAX_STAGE_NAME_LENGTH + 1))).toBe(false);
  });
});

describe('stageNameFromDirectory', () => {
  it.each([
    ['stages/openssl', 'openssl'],
    ['stages/OpenSSL', 'openssl'],
    ['stages/lib fmt', 'lib-fmt'],
    ['stages/lib  +  fmt', 'lib-fmt'],
    ['stages/_base_', 'base'],
    ['stages/--base..', 'base'],
    ['stages/boost-1.84', 'boost-1.84'],
    ['stages/a..b', 'a-b'],
    ['stages/a___b', 'a-b'],
    ['stages/a__b', 'a__b'],
    ['stages/Ünïcödé', 'unicode'],
    ['stages/openssl/', 'openssl'],
    ['stages\\win\\Dir', 'dir'],
    ['top', 'top'],
  ])('%j -> %j', (dir, name) => {
    expect(stageNameFromDirectory(dir)).toBe(name);
  });

  it('shortens long names to 64 characters without a trailing separator', () => {
    const name = stageNameFromDirectory(`stages/${'a'.repeat(63)}-bbbb`);
    expect(name).toBe('a'.repeat(63));
    expect(isValidStageName(name)).toBe(true);
  });

  it.each(['stages/---', 'stages/+++', 'stages/日本', ''])('throws when nothing valid remains of %j', (dir) => {
    expect(() => stageNameFromDirectory(dir)).toThrow(/gives no valid stage name/);
  });
});

describe('stageNameFromPath', () => {
  it.each([
    ['apps/api/docker', 'apps-api-docker'],
    ['vendor/github.com/Acme/tool/v2', 'vendor-github.com-acme-tool-v2'],
    ['apps/_web_/Docker Files', 'apps-web-docker-files'],
    ['apps/日本/docker', 'apps-docker'],
  ])('%j -> %j', (dir, name) => {
    expect(stageNameFromPath(dir)).toBe(name);
  });

  it('keeps the end of a long path and a hash of all of it, within 64 characters', () => {
    const deep = `${'very-long-directory/'.repeat(5)}service/docker`;
    const name = stageNameFromPath(deep);
    expect(name).toMatch(/-service-docker-[0-9a-f]{8}$/);
    expect(isValidStageName(name)).toBe(true);
    expect(stageNameFromPath(deep.replace('very', 'vary'))).not.toBe(name);
  });
});

describe('describeNameRule', () => {
  it('says the rule in words', () => {
    expect(describeNameRule()).toContain('stage names are lowercase letters, digits and separators . _ __ -');
    expect(describeNameRule()).toContain('64');
  });
});
