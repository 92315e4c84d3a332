import { externalBaseOf } from './external-base';
import type { Stage } from '../stage/types';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const IMAGE_ID = `sha256:${'b'.repeat(64)}`;

function stage(pins?: Stage['pins']): Stage {
  return { name: 'lib', root: 'lib', depends: [], build: { type: 'custom' }, inputs: [], env: [], exports: { copy: [], packages: [] }, hashMode: 'content', consumePackages: false, ...(pins && { pins }) };
}

describe('external bases', () => {
  it('builds a registry pin as repository@digest and a local-only pin as its image id', () => {
    expect(externalBaseOf(stage({ base: { image: 'debian:12', digest: DIGEST } }), 'debian:12')).toMatchObject({ digest: DIGEST, ref: `debian@${DIGEST}` });
    expect(externalBaseOf(stage({ base: { image: 'acme/base:1', imageId: IMAGE_ID } }), 'acme/base:1')).toMatchObject({ digest: IMAGE_ID, ref: IMAGE_ID });
  });

  it('needs no pin for a reference that names its digest', () => {
    expect(externalBaseOf(stage(), `debian:12@${DIGEST}`)).toMatchObject({ digest: DIGEST, ref: `debian@${DIGEST}` });
  });

  it('is unpinned without a pin, or with a pin for another image', () => {
    expect(externalBaseOf(stage(), 'debian:12')).toEqual({ image: 'debian:12', digest: null });
    expect(externalBaseOf(stage({ base: { image: 'debian:11', digest: DIGEST } }), 'debian:12')).toEqual({ image: 'debian:12', digest: null });
  });
});
