import type Docker from 'dockerode';
import { Readable } from 'node:stream';
import { buildFailure, buildImage, failedInRun } from './build';
import { isPlatformMismatch } from './image-platform';

const upstream = '127.0.0.1:5000/stagecraft-zlib:2026-W47-0123456789abcdef';
const upstreams = new Map([[upstream, 'zlib']]);
const missingMessage = `upstream image ${upstream} is missing: build its stage first (nx run zlib:docker-stage), then build this one again`;

describe('buildFailure', () => {
  it('names the failing step and keeps the engine message verbatim', () => {
    const tail = ['Step 2/3 : RUN make', ' ---> Running in 1234', 'make: *** [all] Error 2'];
    const error = buildFailure('app:1', "The command '/bin/sh -c make' returned a non-zero code: 2", tail);
    expect(error.message).toBe(
      `build of app:1 failed at "Step 2/3 : RUN make": The command '/bin/sh -c make' returned a non-zero code: 2\n  | make: *** [all] Error 2`,
    );
    expect(error.step).toBe('Step 2/3 : RUN make');
    expect(error.logTail).toEqual(tail);
    expect(error.missingUpstream).toBeUndefined();
  });

  it('has no step when the engine refused the build before any step', () => {
    expect(buildFailure('app:1', 'dockerfile parse error line 2: unknown instruction: FROBNICATE', []).message).toBe(
      'build of app:1 failed: dockerfile parse error line 2: unknown instruction: FROBNICATE',
    );
  });

  it('reports a missing upstream when its FROM step fails (the engine message does not name it)', () => {
    // What Docker 20.10 says when the FROM image is absent and its registry cannot be reached.
    const error = buildFailure(
      'app:1',
      'Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused',
      [`Step 1/3 : FROM ${upstream}`],
      upstreams,
    );
    expect(error.message).toBe(missingMessage);
    expect(error.missingUpstream).toEqual({ ref: upstream, stage: 'zlib', target: 'docker-stage' });
  });

  it('names the configured target that builds the missing upstream', () => {
    const error = buildFailure('app:1', `No such image: ${upstream}`, [`Step 1/1 : FROM ${upstream}`], upstreams, 'image');
    expect(error.message).toBe(missingMessage.replace('zlib:docker-stage', 'zlib:image'));
    expect(error.missingUpstream).toEqual({ ref: upstream, stage: 'zlib', target: 'image' });
  });

  it('reports a missing upstream when its COPY --from step fails', () => {
    const error = buildFailure(
      'app:1',
      `invalid from flag value ${upstream}: Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused`,
      ['Step 1/2 : FROM scratch', ' ---> ', `Step 2/2 : COPY --from=${upstream} /usr/local /usr/local`],
      upstreams,
    );
    expect(error.message).toBe(missingMessage);
  });

  it.each([
    `pull access denied for stagecraft-zlib, repository does not exist or may require 'docker login'`,
    'No such image: stagecraft-zlib:2026-W47-0123456789abcdef',
    'manifest for stagecraft-zlib:2026-W47-0123456789abcdef not found: manifest unknown',
  ])('reports a missing upstream when the engine says %j about it', (engineMessage) => {
    const local = 'stagecraft-zlib:2026-W47-0123456789abcdef';
    const error = buildFailure('app:1', engineMessage, ['Step 1/1 : FROM ${BASE}'], new Map([[local, 'zlib']]));
    expect(error.missingUpstream).toEqual({ ref: local, stage: 'zlib', target: 'docker-stage' });
  });

  it('does not blame an upstream that the failing step does not use', () => {
    const error = buildFailure(
      'app:1',
      "The command '/bin/sh -c make' returned a non-zero code: 2",
      [`Step 1/2 : FROM ${upstream}`, ' ---> abc', 'Step 2/2 : RUN make'],
      upstreams,
    );
    expect(error.missingUpstream).toBeUndefined();
  });

  it('does not take a longer reference for the upstream one', () => {
    const upstreamOfZ = new Map([['stagecraft-z:2026-W47-0123456789abcdef', 'z']]);
    expect(buildFailure('app:1', 'No such image: stagecraft-zlib:2026-W47-0123456789abcdef', ['Step 1/1 : FROM x'], upstreamOfZ).missingUpstream).toBeUndefined();
    expect(buildFailure('app:1', 'pull access denied for stagecraft-zz, repository does not exist', ['Step 1/1 : FROM x'], upstreamOfZ).missingUpstream).toBeUndefined();
  });
});

describe('buildImage and the platform check', () => {
  /** An Engine whose build makes an image of the given architecture, which `tags` already name. */
  function engineBuilding(architecture: string, tags: string[]) {
    const calls: string[] = [];
    const docker = {
      buildImage: async () => Readable.from([`${JSON.stringify({ aux: { ID: 'sha256:made' } })}\n`]),
      getImage: (id: string) => ({
        inspect: async () => ({ Id: id, Os: 'linux', Architecture: architecture, RepoTags: tags }),
        remove: async () => void calls.push(`remove ${id}`),
        tag: async ({ repo, tag }: { repo: string; tag: string }) => void calls.push(`tag ${id} ${repo}:${tag}`),
      }),
      modem: { socketPath: '/fake.sock' },
    } as unknown as Docker;
    return { docker, calls };
  }
  const request = { tag: 'app:1', labels: {}, buildArgs: {}, noCache: false, onLine: () => undefined, platform: 'linux/amd64' };

  it('removes an image that fails the check (no tag names it) and tags nothing', async () => {
    const { docker, calls } = engineBuilding('arm64', []);
    const error = await buildImage(docker, { ...request, context: Readable.from([]) }).catch((e: unknown) => e);
    expect(isPlatformMismatch(error)).toBe(true);
    expect(calls).toEqual(['remove sha256:made']);
  });

  it('keeps an image that fails the check when a tag names it (the cache gave another stage\'s image)', async () => {
    const { docker, calls } = engineBuilding('arm64', ['other:1']);
    const error = await buildImage(docker, { ...request, context: Readable.from([]) }).catch((e: unknown) => e);
    expect(isPlatformMismatch(error)).toBe(true);
    expect(calls).toEqual([]);
  });

  it('tags an image that passes the check', async () => {
    const { docker, calls } = engineBuilding('amd64', []);
    await buildImage(docker, { ...request, context: Readable.from([]) });
    expect(calls).toEqual(['tag sha256:made app:1']);
  });
});

describe('failedInRun', () => {
  it('is true for a build that failed in a RUN step of either builder, and only then', () => {
    expect(failedInRun(buildFailure('app:1', 'exit 1', ['Step 2/3 : RUN apt-get update']))).toBe(true);
    expect(failedInRun(buildFailure('app:1', 'exit 1', [], undefined, undefined, '[stage-0 2/3] RUN wget http://127.0.0.1/x'))).toBe(true);
    expect(failedInRun(buildFailure('app:1', 'no such file', ['Step 2/3 : COPY runner /']))).toBe(false);
    expect(failedInRun(buildFailure('app:1', 'dockerfile parse error', []))).toBe(false);
    expect(failedInRun(new Error('Step 2/3 : RUN make'))).toBe(false);
  });
});
