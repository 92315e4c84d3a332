import { resolveGitRepo, resolveSourceUrl } from './prepare';

describe('resolveSourceUrl', () => {
  it('resolves relative file: urls against the workspace root', () => {
    expect(resolveSourceUrl('file:vendor/zlib-1.3.1.tar.gz', '/ws')).toBe('file:///ws/vendor/zlib-1.3.1.tar.gz');
    expect(resolveSourceUrl('file:./vendor/z.tgz', '/ws')).toBe('file:///ws/vendor/z.tgz');
    expect(resolveSourceUrl('file:../shared/a%20b.tgz', '/ws/root')).toBe('file:///ws/shared/a%20b.tgz');
  });

  it('leaves absolute file: urls and other urls alone', () => {
    expect(resolveSourceUrl('file:///srv/z.tgz', '/ws')).toBe('file:///srv/z.tgz');
    expect(resolveSourceUrl('file:/srv/z.tgz', '/ws')).toBe('file:/srv/z.tgz');
    expect(resolveSourceUrl('https://127.0.0.1/z.tgz', '/ws')).toBe('https://127.0.0.1/z.tgz');
  });
});

describe('resolveGitRepo', () => {
  it('resolves ./ and ../ paths against the workspace root and leaves the rest alone', () => {
    expect(resolveGitRepo('./vendor/repo.git', '/ws')).toBe('/ws/vendor/repo.git');
    expect(resolveGitRepo('../repo.git', '/ws/root')).toBe('/ws/repo.git');
    expect(resolveGitRepo('/srv/repo.git', '/ws')).toBe('/srv/repo.git');
    expect(resolveGitRepo('https://127.0.0.1/repo.git', '/ws')).toBe('https://127.0.0.1/repo.git');
    expect(resolveGitRepo('git@127.0.0.1:repo.git', '/ws')).toBe('git@127.0.0.1:repo.git');
  });
});
