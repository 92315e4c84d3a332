import type { Stage } from '../stage/types';
import { imagesPinner } from './images-pinner';

const dockerfile = ['# syntax=docker/dockerfile:1', 'FROM golang:1.22 AS build', 'FROM base', `COPY --from=alpine@sha256:${'c'.repeat(64)} /a /a`, 'COPY --from=docker/buildx-bin:0.14 /b /b', ''].join('\n');
const stage = { name: 'tool', root: 'tool', dockerfilePath: 'tool/Dockerfile', dockerfile, depends: [], build: { type: 'dockerfile' }, inputs: [], env: [], exports: { copy: [], packages: [] }, hashMode: 'content', consumePackages: false } as unknown as Stage;
const context = { workspaceRoot: '/w', options: {}, isStage: (name: string) => name === 'base' };
const pin = (image: string, digit: string) => ({ image, digest: `sha256:${digit.repeat(64)}` });

describe('the lock generator pins a Dockerfile stage\'s external images', () => {
  it('asks for every image the Dockerfile names that is no stage and names no digest', () => {
    expect(imagesPinner.request(stage, context)).toEqual({
      images: ['docker/buildx-bin:0.14', 'docker/dockerfile:1', 'golang:1.22'],
      where: { 'docker/dockerfile:1': 'tool/Dockerfile at line 1', 'golang:1.22': 'tool/Dockerfile at line 2', 'docker/buildx-bin:0.14': 'tool/Dockerfile at line 5' },
    });
    expect(imagesPinner.request({ ...stage, dockerfile: 'FROM base\nFROM scratch\n' }, context)).toBeUndefined();
  });

  it('keeps pins that answer exactly the images written, and compares pins whatever their order', () => {
    const want = imagesPinner.request(stage, context)!;
    const pins = [pin('golang:1.22', 'a'), pin('docker/dockerfile:1', 'b'), pin('docker/buildx-bin:0.14', 'd')];
    expect(imagesPinner.answers(want, pins)).toBe(true);
    expect(imagesPinner.answers(want, pins.slice(1))).toBe(false);
    expect(imagesPinner.answers(want, [...pins, pin('nginx:1', 'e')])).toBe(false);
    expect(imagesPinner.same(pins, [...pins].reverse())).toBe(true);
    expect(imagesPinner.same(pins, [pin('golang:1.22', 'f'), ...pins.slice(1)])).toBe(false);
  });
});
