import { stageTag } from './tag';

const key = 'a'.repeat(8) + 'b'.repeat(8) + 'c'.repeat(48);

describe('stageTag', () => {
  it('joins image name, stage, bucket and the first 16 hex of the key', () => {
    expect(stageTag({ imageName: 'openbmc', stage: 'boost', bucket: '2026-W47', key })).toBe(
      'openbmc-boost:2026-W47-aaaaaaaabbbbbbbb',
    );
  });
  it('prefixes the registry, with or without a trailing slash', () => {
    expect(stageTag({ registry: '127.0.0.1:5000/ci/', imageName: 'x', stage: 'y', bucket: '', key })).toBe(
      '127.0.0.1:5000/ci/x-y:aaaaaaaabbbbbbbb',
    );
  });
  it('has no bucket part when refresh is never', () => {
    expect(stageTag({ imageName: 'x', stage: 'y', bucket: '', key })).toBe('x-y:aaaaaaaabbbbbbbb');
  });
  it('refuses a key that is not 64 hex digits', () => {
    expect(() => stageTag({ imageName: 'x', stage: 'y', bucket: '', key: 'nothex' })).toThrow(/64 hex/);
  });
});
