import { parseImageRef } from './image-ref';

describe('parseImageRef', () => {
  it.each([
    ['stagecraft-zlib:2026-W47-0123456789abcdef', 'stagecraft-zlib', '2026-W47-0123456789abcdef'],
    ['127.0.0.1:5000/x-y:2026-W47-abc', '127.0.0.1:5000/x-y', '2026-W47-abc'],
    ['127.0.0.1:5000/x-y', '127.0.0.1:5000/x-y', 'latest'],
    ['localhost/team/app:1.0', 'localhost/team/app', '1.0'],
    ['registry.example:443/a/b/c:v_1', 'registry.example:443/a/b/c', 'v_1'],
    ['busybox', 'busybox', 'latest'],
    ['my__name.x-y--z:T', 'my__name.x-y--z', 'T'],
  ])('%s -> %s : %s', (ref, repo, tag) => {
    expect(parseImageRef(ref)).toEqual({ repo, tag });
  });

  it.each([
    ['x@sha256:' + 'a'.repeat(64), 'digest'],
    ['x:', 'tag ""'],
    ['x:-bad', 'tag "-bad"'],
    ['x:' + 'a'.repeat(129), 'tag'],
    ['Upper:1', 'repository component "Upper"'],
    ['a//b:1', 'repository component ""'],
    ['x-:1', 'repository component "x-"'],
    ['bad_host.:5000/x:1', 'registry "bad_host.:5000"'],
    ['x:1\nRUN evil', 'tag'],
  ])('rejects %j (%s)', (ref, why) => {
    expect(() => parseImageRef(ref)).toThrow(why);
  });
});
