import { parseLsRemote } from './remote-refs';
import { resolveRev } from './resolve-rev';
import { parseRev } from './rev';

const c = (n: number) => String(n).repeat(40).slice(0, 40);
const refs = parseLsRemote(
  [
    `${c(1)}\trefs/heads/main`,
    `${c(2)}\trefs/heads/1.x`,
    `${c(3)}\trefs/tags/v1.2.0`,
    `${c(4)}\trefs/tags/v1.4.1`,
    `${c(9)}\trefs/tags/v1.4.1^{}`,
    `${c(5)}\trefs/tags/v2.0.0-rc.1`,
    `${c(6)}\trefs/tags/v1.2.3`,
    `${c(7)}\trefs/tags/not-a-version`,
    `${c(8)}\trefs/tags/1.x`,
  ].join('\n'),
);

describe('resolveRev', () => {
  it('peels annotated tags', () => {
    expect(refs.tags.get('v1.4.1')).toBe(c(9));
  });

  it('takes the highest tag a range allows, v-prefixed tags included', () => {
    expect(resolveRev(parseRev('^1.2.0'), refs, 'r')).toEqual({ ref: 'refs/tags/v1.4.1', commit: c(9) });
    expect(resolveRev(parseRev('~1.2'), refs, 'r')).toEqual({ ref: 'refs/tags/v1.2.3', commit: c(6) });
  });

  it('takes pre-releases only when the range asks for them', () => {
    expect(() => resolveRev(parseRev('>=2.0.0-0 <3 || ^2'), { ...refs, tags: new Map([['v2.0.0-rc.1', c(5)]]) }, 'r')).not.toThrow();
    expect(() => resolveRev(parseRev('^2'), refs, 'r')).toThrow("no tag of r satisfies the semver range '^2' (its version tags: ");
    expect(resolveRev(parseRev('^2.0.0-rc.0'), refs, 'r')).toEqual({ ref: 'refs/tags/v2.0.0-rc.1', commit: c(5) });
  });

  it('reads a name as a tag first (no pin), then as a branch', () => {
    expect(resolveRev(parseRev('v1.2.0'), refs, 'r')).toBeUndefined();
    expect(resolveRev(parseRev('main'), refs, 'r')).toEqual({ ref: 'refs/heads/main', commit: c(1) });
    expect(resolveRev(parseRev('branch:1.x'), refs, 'r')).toEqual({ ref: 'refs/heads/1.x', commit: c(2) });
  });

  it('names a branch that does not exist and lists the branches', () => {
    expect(() => resolveRev(parseRev('branch:develop'), refs, 'r')).toThrow("'develop' is not a branch of r (its branches: 1.x, main)");
    expect(() => resolveRev(parseRev('develop'), refs, 'r')).toThrow("'develop' is neither a tag nor a branch of r");
  });
});
