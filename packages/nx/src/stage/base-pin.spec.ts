import { parseBasePin } from './base-pin';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('base pins', () => {
  it('reads a digest pin or an image-id pin', () => {
    expect(parseBasePin({ image: 'debian:12', digest: DIGEST }, 'lib/stage.lock.json')).toEqual({ image: 'debian:12', digest: DIGEST });
    expect(parseBasePin({ image: 'acme:1', imageId: DIGEST }, 'f')).toEqual({ image: 'acme:1', imageId: DIGEST });
  });

  it.each([
    [{ image: 'debian:12' }, 'lib/stage.lock.json at /base: expected exactly one of digest and imageId'],
    [{ image: 'debian:12', digest: 'sha256:xyz' }, 'lib/stage.lock.json at /base/digest: expected sha256: followed by 64 lowercase hexadecimal digits'],
    [{ image: '', digest: DIGEST }, 'lib/stage.lock.json at /base/image: expected a non-empty string'],
    [{ image: 'debian:12', digest: DIGEST, tag: 'x' }, 'lib/stage.lock.json at /base/tag: unknown field (expected image, digest, imageId)'],
  ])('names the file and field of a bad pin %j', (value, message) => {
    expect(() => parseBasePin(value, 'lib/stage.lock.json')).toThrow(message);
  });
});
