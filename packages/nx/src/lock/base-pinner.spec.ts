import type { Stage } from '../stage/types';
import { basePinner, externalBaseImage } from './base-pinner';

function stage(overrides: Partial<Stage> = {}): Stage {
  return { name: 'lib', root: 'lib', depends: [], build: { type: 'custom' }, inputs: [], env: [], exports: { copy: [], packages: [] }, hashMode: 'content', consumePackages: false, ...overrides } as Stage;
}

const context = { workspaceRoot: '/w', options: { defaultBase: 'debian:12' } };

describe('the lock generator pins external bases', () => {
  it('asks for the stage from, else the default base, when it is an external image', () => {
    expect(basePinner.request(stage({ from: 'alpine:3.20' }), context)).toEqual({ image: 'alpine:3.20' });
    expect(basePinner.request(stage(), context)).toEqual({ image: 'debian:12' });
  });

  it('needs no pin for a stage base, scratch, a digest or a Dockerfile stage', () => {
    expect(basePinner.request(stage({ from: 'base' }), context)).toBeUndefined();
    expect(basePinner.request(stage({ from: 'scratch' }), context)).toBeUndefined();
    expect(basePinner.request(stage({ from: `debian:12@sha256:${'a'.repeat(64)}` }), context)).toBeUndefined();
    expect(externalBaseImage(stage({ build: { type: 'dockerfile' } } as Partial<Stage>), context)).toBeUndefined();
  });

  it('keeps a pin that answers the same image, and compares pins by digest and image id', () => {
    expect(basePinner.answers({ image: 'debian:12' }, { image: 'debian:12', digest: `sha256:${'b'.repeat(64)}` })).toBe(true);
    expect(basePinner.answers({ image: 'debian:13' }, { image: 'debian:12', digest: `sha256:${'b'.repeat(64)}` })).toBe(false);
    expect(basePinner.same({ image: 'x:1', digest: 'sha256:1' }, { image: 'x:1', digest: 'sha256:2' })).toBe(false);
  });
});
