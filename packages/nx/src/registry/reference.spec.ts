import { defaultScheme } from './client';
import { apiHost, ImageRef, RegistryPrefix } from './reference';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('ImageRef', () => {
  it.each([
    ['127.0.0.1:5000/acme-zlib:2026-W47-0123456789abcdef', '127.0.0.1:5000', 'acme-zlib', '2026-W47-0123456789abcdef', undefined],
    ['127.0.0.1:5000/x-y', '127.0.0.1:5000', 'x-y', undefined, undefined],
    ['localhost/team/app:1.0', 'localhost', 'team/app', '1.0', undefined],
    ['registry.example:443/a/b/c:v_1', 'registry.example:443', 'a/b/c', 'v_1', undefined],
    [`ghcr.io/org/sub/img@${DIGEST}`, 'ghcr.io', 'org/sub/img', undefined, DIGEST],
    [`debian:12@${DIGEST}`, undefined, 'debian', '12', DIGEST],
    ['user/tool:1', undefined, 'user/tool', '1', undefined],
    ['busybox', undefined, 'busybox', undefined, undefined],
    ['[::1]:5000/x:1', '[::1]:5000', 'x', '1', undefined],
  ])('splits %s', (ref, domain, path, tag, digest) => {
    const parsed = ImageRef.parse(ref);
    expect({ domain: parsed.domain, path: parsed.path, tag: parsed.tag, digest: parsed.digest }).toEqual({ domain, path, tag, digest });
    expect(String(parsed)).toBe(ref);
  });

  it('says where the image lives: Engine repository, registry host and repository, and what to ask for', () => {
    const hub = ImageRef.parse('debian:12');
    expect([hub.repository, hub.registry, hub.registryRepository, hub.reference]).toEqual(['debian', 'docker.io', 'library/debian', '12']);
    const own = ImageRef.parse(`127.0.0.1:5000/ci/acme-zlib:t@${DIGEST}`);
    expect([own.repository, own.registry, own.registryRepository, own.reference]).toEqual(['127.0.0.1:5000/ci/acme-zlib', '127.0.0.1:5000', 'ci/acme-zlib', DIGEST]);
    expect(ImageRef.parse('user/tool').registryRepository).toBe('user/tool');
    expect(ImageRef.parse('localhost/x').reference).toBe('latest');
  });

  it('prints the same repository with another tag or a digest, or under another registry prefix', () => {
    const ref = ImageRef.parse('127.0.0.1:5000/up/base:1');
    expect(String(ref.withDigest(DIGEST))).toBe(`127.0.0.1:5000/up/base@${DIGEST}`);
    expect(String(ref.withTag('id-abc'))).toBe('127.0.0.1:5000/up/base:id-abc');
    const moved = ImageRef.parse('reg.fork:5000/acme-zlib:t').under(RegistryPrefix.parse('reg.main/mirror/'), RegistryPrefix.parse('reg.fork:5000'));
    expect([String(moved), moved.registry, moved.registryRepository]).toEqual(['reg.main/mirror/acme-zlib:t', 'reg.main', 'mirror/acme-zlib']);
    expect(String(ImageRef.parse('acme-zlib:t').under(RegistryPrefix.parse('127.0.0.1:5001')))).toBe('127.0.0.1:5001/acme-zlib:t');
  });

  it.each([
    ['stagecraft-zlib:2026-W47-0123456789abcdef', 'stagecraft-zlib', '2026-W47-0123456789abcdef'],
    ['127.0.0.1:5000/x-y', '127.0.0.1:5000/x-y', 'latest'],
    ['my__name.x-y--z:T', 'my__name.x-y--z', 'T'],
  ])('gives the Engine repository and tag of %s', (ref, repo, tag) => {
    expect(ImageRef.parse(ref).engineTag()).toEqual({ repo, tag });
  });

  it.each([
    [`x@${DIGEST}`, 'a digest reference cannot be used as a tag'],
    ['x:', 'tag ""'],
    ['x:-bad', 'tag "-bad"'],
    ['x:' + 'a'.repeat(129), 'tag'],
    ['Upper:1', 'repository component "Upper"'],
    ['a//b:1', 'repository component ""'],
    ['x-:1', 'repository component "x-"'],
    ['bad_host.:5000/x:1', 'registry "bad_host.:5000"'],
    ['x:1\nRUN evil', 'tag'],
  ])('refuses to tag %j (%s)', (ref, why) => {
    expect(() => ImageRef.parse(ref).engineTag()).toThrow(why);
  });

  it('checks a digest', () => {
    expect(ImageRef.parse(`x@${DIGEST}`).check().digest).toBe(DIGEST);
    expect(() => ImageRef.parse('x@sha256:abc').check()).toThrow('digest "sha256:abc" is not algorithm:hex');
  });
});

describe('RegistryPrefix', () => {
  it('splits host and path, without trailing slashes, and names images under it', () => {
    const prefix = RegistryPrefix.parse('reg.example:5000/ci/team//');
    expect([prefix.host, prefix.path, String(prefix)]).toEqual(['reg.example:5000', 'ci/team', 'reg.example:5000/ci/team']);
    expect(prefix.repositoryOf('mirror/library/debian')).toBe('ci/team/mirror/library/debian');
    expect(prefix.join('acme-zlib:t')).toBe('reg.example:5000/ci/team/acme-zlib:t');
    const bare = RegistryPrefix.parse('127.0.0.1:5000');
    expect([bare.host, bare.path, bare.repositoryOf('x')]).toEqual(['127.0.0.1:5000', '', 'x']);
  });
});

describe('registry hosts', () => {
  it("asks Docker Hub's API host for docker.io", () => {
    expect(apiHost('docker.io')).toBe('registry-1.docker.io');
    expect(apiHost('ghcr.io')).toBe('ghcr.io');
  });

  it('speaks plain http to loopback registries only', () => {
    expect(defaultScheme('127.0.0.1:5000')).toBe('http');
    expect(defaultScheme('localhost:5000')).toBe('http');
    expect(defaultScheme('[::1]:5000')).toBe('http');
    expect(defaultScheme('registry.example:5000')).toBe('https');
    expect(defaultScheme('127.0.0.1.example')).toBe('https');
  });
});
