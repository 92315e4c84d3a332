import { externalImagesOf, isExternalImage, namesTagOrDigest } from './external-images';
import type { Stage } from './types';

function stage(overrides: Partial<Stage>): Stage {
  return { name: 'app', root: 'app', depends: [], build: { type: 'custom' }, inputs: [], env: [], exports: { copy: [], packages: [] }, hashMode: 'content', consumePackages: false, ...overrides } as Stage;
}

const stages = new Set(['base', 'tools', 'app']);
const isStage = (name: string) => stages.has(name);

describe('the one rule for external images', () => {
  it('takes neither scratch, a stage, nor a name still to be computed for an external image', () => {
    expect(isExternalImage('debian:12', isStage)).toBe(true);
    expect(isExternalImage('ubuntu', isStage)).toBe(true);
    expect(isExternalImage('SCRATCH', isStage)).toBe(false);
    expect(isExternalImage('base', isStage)).toBe(false);
    expect(isExternalImage('golang:${GO}', isStage)).toBe(false);
    expect(isExternalImage('', isStage)).toBe(false);
  });

  it('asks a stage.json base for a tag or a digest, so a typo of a stage name is no image', () => {
    expect(namesTagOrDigest('debian:12')).toBe(true);
    expect(namesTagOrDigest('127.0.0.1:5000/base')).toBe(false);
    expect(namesTagOrDigest(`debian@sha256:${'a'.repeat(64)}`)).toBe(true);
    expect(externalImagesOf(stage({ from: 'debain' }), undefined, isStage)).toEqual([]);
    expect(externalImagesOf(stage({ from: 'base' }), 'debian:12', isStage)).toEqual([]);
    expect(externalImagesOf(stage({}), 'debian:12', isStage)).toEqual([{ image: 'debian:12', kind: 'base', file: 'app', where: '/from (defaultBase)' }]);
  });

  it("lists a Dockerfile stage's FROM, COPY --from, RUN --mount=from and # syntax images once each, expanded, with where they are", () => {
    const dockerfile = [
      '# syntax=docker/dockerfile:1.7',
      'ARG GO=1.22',
      'FROM golang:${GO} AS build',
      'RUN --mount=from=tonistiigi/xx:1.4.0,target=/xx --mount=from=tools,target=/t true',
      'FROM base',
      'COPY --from=golang:1.22 /usr/local/go /go',
      'COPY --from=build /x /x',
      'FROM scratch',
      'FROM app',
    ].join('\n');
    const uses = externalImagesOf(stage({ build: { type: 'dockerfile' }, dockerfile, dockerfilePath: 'app/Dockerfile' }), 'debian:12', isStage);
    expect(uses).toEqual([
      { image: 'docker/dockerfile:1.7', kind: 'syntax', file: 'app/Dockerfile', where: 'line 1' },
      { image: 'golang:1.22', kind: 'from', file: 'app/Dockerfile', where: 'line 3' },
      { image: 'tonistiigi/xx:1.4.0', kind: 'mount-from', file: 'app/Dockerfile', where: 'line 4' },
      // A Dockerfile's FROM of its own stage's name is the image of that name.
      { image: 'app', kind: 'from', file: 'app/Dockerfile', where: 'line 9' },
    ]);
  });
});
