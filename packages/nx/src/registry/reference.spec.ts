import { defaultScheme } from './client';
import { parseRegistryRef, underRegistry } from './reference';

describe('registry references', () => {
  it('splits host, repository and tag or digest', () => {
    expect(parseRegistryRef('127.0.0.1:5000/acme-zlib:2026-W47-0123456789abcdef')).toEqual({
      registry: '127.0.0.1:5000',
      repository: 'acme-zlib',
      reference: '2026-W47-0123456789abcdef',
    });
    expect(parseRegistryRef('ghcr.io/org/sub/img@sha256:abc')).toEqual({ registry: 'ghcr.io', repository: 'org/sub/img', reference: 'sha256:abc' });
    expect(parseRegistryRef('localhost/x')).toEqual({ registry: 'localhost', repository: 'x', reference: 'latest' });
    expect(parseRegistryRef('debian:12')).toEqual({ registry: 'docker.io', repository: 'library/debian', reference: '12' });
    expect(parseRegistryRef('user/tool:1')).toEqual({ registry: 'docker.io', repository: 'user/tool', reference: '1' });
  });

  it('moves an image name under another registry prefix', () => {
    expect(underRegistry('reg.fork:5000/acme-zlib:t', 'reg.fork:5000', 'reg.main/mirror/')).toBe('reg.main/mirror/acme-zlib:t');
    expect(underRegistry('acme-zlib:t', undefined, '127.0.0.1:5001')).toBe('127.0.0.1:5001/acme-zlib:t');
  });

  it('speaks plain http to loopback registries only', () => {
    expect(defaultScheme('127.0.0.1:5000')).toBe('http');
    expect(defaultScheme('localhost:5000')).toBe('http');
    expect(defaultScheme('[::1]:5000')).toBe('http');
    expect(defaultScheme('registry.example:5000')).toBe('https');
    expect(defaultScheme('127.0.0.1.example')).toBe('https');
  });
});
