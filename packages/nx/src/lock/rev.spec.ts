import { parseRev } from './rev';

describe('parseRev', () => {
  it.each([
    ['0123456789abcdef0123456789ABCDEF01234567', { kind: 'commit', commit: '0123456789abcdef0123456789abcdef01234567' }],
    ['tag:1.x', { kind: 'tag', name: '1.x' }],
    ['branch:1.x', { kind: 'branch', name: '1.x' }],
    ['semver:1.2', { kind: 'range', range: '1.2' }],
    ['^1.2.0', { kind: 'range', range: '^1.2.0' }],
    ['~2.1', { kind: 'range', range: '~2.1' }],
    ['>=1.4 <2', { kind: 'range', range: '>=1.4 <2' }],
    ['1.x', { kind: 'range', range: '1.x' }],
    ['*', { kind: 'range', range: '*' }],
    ['main', { kind: 'name', name: 'main' }],
    ['v1.2.3', { kind: 'name', name: 'v1.2.3' }],
    ['1.2', { kind: 'name', name: '1.2' }],
    ['fix-ups', { kind: 'name', name: 'fix-ups' }],
  ])('reads %s', (rev, expected) => {
    expect(parseRev(rev)).toEqual(expected);
  });

  it('says how to be explicit when a value looks like a range but is not one', () => {
    expect(() => parseRev('feature.x.y=z')).toThrow("'feature.x.y=z' looks like a semver range but is not one; for a branch or tag of that name write branch:feature.x.y=z or tag:feature.x.y=z");
    expect(() => parseRev('semver:main')).toThrow("'main' is not a semver range");
    expect(() => parseRev('branch:')).toThrow("'branch:' names no branch");
  });
});
