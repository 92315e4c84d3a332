import { nextPageUrl, parseChallenges } from './challenge';

describe('WWW-Authenticate challenges', () => {
  it('reads a Bearer challenge with quoted values holding commas', () => {
    expect(parseChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' } },
    ]);
  });

  it('reads Basic, unquoted values, escapes and several challenges', () => {
    expect(parseChallenges('Basic realm="Registry \\"x\\""')).toEqual([{ scheme: 'basic', params: { realm: 'Registry "x"' } }]);
    expect(parseChallenges('Bearer realm=https://a/t, error=invalid_token, Basic realm="r"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://a/t', error: 'invalid_token' } },
      { scheme: 'basic', params: { realm: 'r' } },
    ]);
    expect(parseChallenges(null)).toEqual([]);
  });
});

describe('tags list paging', () => {
  it('follows the Link header rel="next", relative to the registry', () => {
    expect(nextPageUrl('</v2/a/tags/list?last=t2&n=2>; rel="next"', 'http://127.0.0.1:5000/v2/a/tags/list?n=2')).toBe(
      'http://127.0.0.1:5000/v2/a/tags/list?last=t2&n=2',
    );
    expect(nextPageUrl(undefined, 'http://x/')).toBeUndefined();
    expect(nextPageUrl('<http://x/y>; rel="prev"', 'http://x/')).toBeUndefined();
  });
});
