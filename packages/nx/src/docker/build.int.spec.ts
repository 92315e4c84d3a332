import Docker from 'dockerode';
import { randomBytes } from 'crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildImage, BuildError, BuildRequest } from './build';
import { ContextEntry, packContext } from './context';
import { connectEngine } from './engine';
import { removeImages } from '../../testing/engine';
import { imageExists } from './images';
import { stageLabels } from './labels';

const suffix = randomBytes(4).toString('hex');
const busybox: ContextEntry = { path: 'busybox', mode: 0o755, source: { file: '/bin/busybox' } };

function contextWith(dockerfile: string[]): NodeJS.ReadableStream {
  return packContext([busybox, { path: 'Dockerfile', mode: 0o644, source: { content: dockerfile.join('\n') + '\n' } }]);
}

function request(tag: string, dockerfile: string[], extra: Partial<BuildRequest> = {}): BuildRequest & { lines: string[] } {
  const lines: string[] = [];
  const context = extra.context ?? contextWith(dockerfile);
  return { tag, labels: {}, buildArgs: {}, noCache: false, onLine: (line) => lines.push(line), lines, ...extra, context };
}

async function buildError(promise: Promise<unknown>): Promise<BuildError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(BuildError);
  return error as BuildError;
}

async function containersMentioning(docker: Docker, marker: string): Promise<string[]> {
  const containers = await docker.listContainers({ all: true });
  return containers.filter((c) => c.Command.includes(marker)).map((c) => c.Id);
}

describe('buildImage (real engine)', () => {
  const docker = connectEngine();
  const made = new Set<string>();
  const tagFor = (name: string) => {
    const tag = `stagecraft-test-${name}-${suffix}:t1`;
    made.add(tag);
    return tag;
  };

  afterAll(async () => {
    await removeImages(made);
  });

  it('builds, labels and then tags the image; passes build args; streams the log as lines', async () => {
    const tag = tagFor('ok');
    const labels = stageLabels({ stage: 'hello', key: 'c'.repeat(64), keyFormat: 1, rev: 'deadbeef' });
    let tagSeenWhileRunning: Promise<boolean> | undefined;
    const req = request(
      tag,
      [
        'FROM scratch',
        'COPY busybox /bin/busybox',
        'ARG GREETING',
        'RUN ["/bin/busybox","sh","-c","echo hi > /hello; echo greeting=$GREETING; busybox sleep 1"]',
      ],
      { labels, buildArgs: { GREETING: `hello-${suffix}` } },
    );
    const onLine = req.onLine;
    req.onLine = (line) => {
      if (/^Step 4\/\d+ : RUN/.test(line)) tagSeenWhileRunning = imageExists(docker, tag);
      onLine(line);
    };
    expect(await imageExists(docker, tag)).toBe(false);

    const result = await buildImage(docker, req);

    expect(result.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.durationMs).toBeGreaterThan(0);
    expect(tagSeenWhileRunning).toBeDefined();
    expect(await tagSeenWhileRunning).toBe(false);
    const inspected = await docker.getImage(tag).inspect();
    expect(inspected.Id).toBe(result.imageId);
    expect(inspected.Config.Labels).toEqual(labels);
    expect(req.lines).toContain('Step 1/11 : FROM scratch'); // 4 instructions + one LABEL step per label
    expect(req.lines).toContain(`greeting=hello-${suffix}`);
    expect(req.lines).not.toContain('');
    expect(req.lines.every((line) => !line.includes('\n'))).toBe(true);
    expect(await imageExists(docker, tag)).toBe(true);
    const history = await docker.getImage(tag).history();
    expect(history.map((layer: { Comment: string }) => layer.Comment)).not.toContain('buildkit.dockerfile.v0');
  });

  it('tags a registry reference whose host has a port (and passes the platform)', async () => {
    const tag = `127.0.0.1:5000/stagecraft-test-port-${suffix}:2026-W47-abc`;
    made.add(tag);
    await buildImage(docker, request(tag, ['FROM scratch', 'COPY busybox /bin/busybox'], { platform: 'linux/amd64' }));
    expect(await imageExists(docker, tag)).toBe(true);
  });

  it('leaves no tagged image and no container when a RUN fails, and reports the step and the log tail', async () => {
    const tag = tagFor('fail');
    const marker = `failing-${suffix}`;
    const error = await buildError(
      buildImage(docker, request(tag, ['FROM scratch', 'COPY busybox /bin/busybox', `RUN ["/bin/busybox","sh","-c","echo ${marker}; exit 3"]`])),
    );
    expect(error.engineMessage).toMatch(/returned a non-zero code: 3/);
    expect(error.step).toBe(`Step 3/3 : RUN ["/bin/busybox","sh","-c","echo ${marker}; exit 3"]`);
    expect(error.message).toBe(`build of ${tag} failed at "${error.step}": ${error.engineMessage}\n  | ${marker}`);
    expect(error.logTail).toContain(marker);
    expect(error.logTail.length).toBeLessThanOrEqual(20);
    expect(await imageExists(docker, tag)).toBe(false);
    expect(await containersMentioning(docker, marker)).toEqual([]);
  });

  it('reports a Dockerfile the engine cannot parse', async () => {
    const tag = tagFor('parse');
    const error = await buildError(buildImage(docker, request(tag, ['FROM scratch', 'FROBNICATE now'])));
    expect(error.message).toMatch(new RegExp(`^build of ${tag} failed: .*unknown instruction: FROBNICATE`, 'i'));
    expect(await imageExists(docker, tag)).toBe(false);
  });

  it('reports a missing upstream image before asking the engine to build', async () => {
    const tag = tagFor('downstream');
    const upstream = `127.0.0.1:1/stagecraft-test-missing-${suffix}:t1`;
    // A context that would fail once read must not crash the process when the build is refused first.
    const context = packContext([
      { path: 'Dockerfile', mode: 0o644, source: { content: `FROM ${upstream}\n` } },
      { path: 'later', mode: 0o644, source: { file: `/nonexistent/${suffix}` } },
    ]);
    const req = request(tag, [], { context, upstreamRefs: new Map([[upstream, 'zlib']]) });
    const error = await buildError(buildImage(docker, req));
    expect(error.message).toBe(`upstream image ${upstream} is missing: build its stage first (nx run zlib:docker-stage), then build this one again`);
    expect(error.missingUpstream).toEqual({ ref: upstream, stage: 'zlib', target: 'docker-stage' });
    expect(req.lines).toEqual([]);
  });

  it('uses a present upstream image', async () => {
    const upstream = tagFor('upstream');
    await buildImage(docker, request(upstream, ['FROM scratch', 'COPY busybox /bin/busybox']));
    const tag = tagFor('uses-upstream');
    const req = request(tag, [`FROM ${upstream}`, 'RUN ["/bin/busybox","true"]'], { upstreamRefs: new Map([[upstream, 'base']]) });
    await buildImage(docker, req);
    expect(await imageExists(docker, tag)).toBe(true);
  });

  it('fails, without hanging, when the build context cannot be read', async () => {
    const tag = tagFor('badcontext');
    const context = packContext([{ path: 'Dockerfile', mode: 0o644, source: { file: `/nonexistent/${suffix}/Dockerfile` } }]);
    const error = await buildError(buildImage(docker, request(tag, [], { context })));
    expect(error.message).toContain(`the build context could not be sent: build context: cannot read /nonexistent/${suffix}/Dockerfile`);
    expect(await imageExists(docker, tag)).toBe(false);
  });

  it('lets two builds of the same tag run at once; both succeed and the tag names one of them', async () => {
    const tag = tagFor('concurrent');
    const dockerfile = ['FROM scratch', 'COPY busybox /bin/busybox', 'RUN ["/bin/busybox","sh","-c","busybox sleep 1; date +%N > /stamp"]'];
    const results = await Promise.all([
      buildImage(docker, request(tag, dockerfile, { noCache: true })),
      buildImage(docker, request(tag, dockerfile, { noCache: true })),
    ]);
    results.forEach((r) => made.add(r.imageId));
    const tagged = await docker.getImage(tag).inspect();
    expect(results.map((r) => r.imageId)).toContain(tagged.Id);
  });

  describe('network', () => {
    let server: Server;
    const seen: string[] = [];
    let url: string;

    beforeAll(async () => {
      server = createServer((request, response) => {
        seen.push(request.url ?? '');
        response.end(`served ${request.url}\n`);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it.each(['legacy', 'buildkit'] as const)('with %s, a RUN on the host network reaches a server on 127.0.0.1; without network it cannot', async (builder) => {
      const fetch = (network: 'host' | 'none') =>
        buildImage(
          docker,
          request(tagFor(`${builder}-${network}`), ['FROM scratch', 'COPY busybox /bin/busybox', `RUN ["/bin/busybox","wget","-O","/got","${url}/${builder}-${network}-${suffix}"]`], {
            builder,
            network,
          }),
        );
      await fetch('host');
      expect(seen).toContain(`/${builder}-host-${suffix}`);
      const error = await buildError(fetch('none'));
      expect(error.step).toMatch(/RUN .*wget/);
      expect(seen).not.toContain(`/${builder}-none-${suffix}`);
    });
  });

  describe('with BuildKit', () => {
    const bk = (tag: string, dockerfile: string[], extra: Partial<BuildRequest> = {}) => request(tag, dockerfile, { builder: 'buildkit', ...extra });

    it('builds with BuildKit, with no network, labels and then tags; prints steps, output, CACHED and a heartbeat', async () => {
      const tag = tagFor('bk-ok');
      const labels = stageLabels({ stage: 'hello', key: 'd'.repeat(64), keyFormat: 1 });
      const run = `RUN ["/bin/busybox","sh","-c","echo nets=$(ls /sys/class/net); echo greeting=$GREETING; busybox sleep 1"]`;
      const dockerfile = ['FROM scratch', 'COPY busybox /bin/busybox', 'ARG GREETING', run];
      const req = bk(tag, dockerfile, { labels, buildArgs: { GREETING: `bk-${suffix}` }, heartbeatMs: 300 });
      let tagSeenWhileRunning: Promise<boolean> | undefined;
      const onLine = req.onLine;
      req.onLine = (line) => {
        if (line.startsWith('[2/2] RUN')) tagSeenWhileRunning = imageExists(docker, tag);
        onLine(line);
      };

      const result = await buildImage(docker, req);

      expect(await tagSeenWhileRunning).toBe(false);
      const inspected = await docker.getImage(tag).inspect();
      expect(inspected.Id).toBe(result.imageId);
      expect(inspected.Config.Labels).toEqual(labels);
      const history = await docker.getImage(tag).history();
      expect(history.map((layer: { Comment: string }) => layer.Comment)).toContain('buildkit.dockerfile.v0');
      // BuildKit names a step by its instruction, with the build args filled in.
      const runStep = `[2/2] ${run.replace('$GREETING', `bk-${suffix}`)}`;
      expect(req.lines).toContain(runStep);
      expect(req.lines).toContain('nets=lo');
      expect(req.lines).toContain(`greeting=bk-${suffix}`);
      expect(req.lines.some((line) => line.startsWith(`still running: ${runStep} (`))).toBe(true);

      const again = bk(tagFor('bk-again'), dockerfile, { labels, buildArgs: { GREETING: `bk-${suffix}` } });
      await buildImage(docker, again);
      expect(again.lines).toContain(`CACHED ${runStep}`);
    });

    it('names the failing RUN, ends the message with its output, and leaves no tag', async () => {
      const tag = tagFor('bk-fail');
      const marker = `bk-failing-${suffix}`;
      const run = `RUN ["/bin/busybox","sh","-c","echo ${marker}; echo to-stderr >&2; exit 3"]`;
      const error = await buildError(buildImage(docker, bk(tag, ['FROM scratch', 'COPY busybox /bin/busybox', run])));
      expect(error.step).toBe(`[2/2] ${run}`);
      expect(error.engineMessage).toMatch(/exit code: 3/);
      const [head, ...tail] = error.message.split('\n');
      expect(head).toBe(`build of ${tag} failed at "[2/2] ${run}": ${error.engineMessage}`);
      // stdout and stderr arrive as separate streams, in either order.
      expect(tail.sort()).toEqual([`  | ${marker}`, '  | to-stderr'].sort());
      expect(await imageExists(docker, tag)).toBe(false);
      expect(await containersMentioning(docker, marker)).toEqual([]);
    });

    it('reports a Dockerfile the engine cannot parse', async () => {
      const tag = tagFor('bk-parse');
      const error = await buildError(buildImage(docker, bk(tag, ['FROM scratch', 'FROBNICATE now'])));
      expect(error.message).toMatch(new RegExp(`^build of ${tag} failed: .*unknown instruction: FROBNICATE`, 'i'));
    });
  });
});
