import Docker from 'dockerode';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFilesFromImage } from '../../docker/archive';
import { removeImagesNamed, stageTagsNamed, tagsNamed, uniqueImageName } from '../../../testing/engine';
import { createTestWorkspace, runNxAsync, writeBusyboxBase, type TestWorkspace } from '../../../testing/workspace';
import { summaryStatuses } from '../../../testing/summary';
import { git } from '../../../testing/git';

const CLOCK = { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' };
const docker = new Docker();



async function fileFromImage(tag: string, path: string): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'stagecraft-src-read-'));
  try {
    await readFilesFromImage(docker, tag, [path], out);
    return readFileSync(join(out, path.split('/').pop()!), 'utf8');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

// The HTTP server runs in this process: nx must run asynchronously (runNxAsync) so the server can answer.

/** Sources fetched on the host (an HTTP server on 127.0.0.1, a bare git repository on disk) and Dockerfile stage references. */
describe('docker-stage with url and git sources, and Dockerfile stage references (real engine)', () => {
  const imageName = uniqueImageName('src');
  let scratch: string;
  let server: Server;
  let requests = 0;
  let archive: Buffer;
  let baseUrl: string;
  let workspace: TestWorkspace;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'stagecraft-sources-'));
    mkdirSync(join(scratch, 'hello-1.0'));
    writeFileSync(join(scratch, 'hello-1.0', 'hello.txt'), 'hello from a tarball\n');
    execFileSync('tar', ['-czf', 'hello-1.0.tar.gz', 'hello-1.0'], { cwd: scratch });
    archive = readFileSync(join(scratch, 'hello-1.0.tar.gz'));
    server = createServer((request, response) => {
      requests++;
      if (request.url === '/hello-1.0.tar.gz') response.end(archive);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const work = join(scratch, 'work');
    mkdirSync(work);
    git(work, 'init', '-q');
    writeFileSync(join(work, 'version.txt'), 'v1\n');
    git(work, 'add', '-A');
    git(work, 'commit', '-qm', 'v1');
    git(work, 'tag', 'v1.0');
    writeFileSync(join(work, 'version.txt'), 'v2\n');
    git(work, 'commit', '-qam', 'v2');
    git(scratch, 'clone', '-q', '--bare', work, join(scratch, 'remote.git'));

    workspace = createTestWorkspace({ imageName, defaultBase: 'base' });
    writeBusyboxBase(workspace);
    const sha256 = createHash('sha256').update(archive).digest('hex');
    workspace.write('tarball/stage.json', {
      source: { url: `${baseUrl}/hello-1.0.tar.gz`, sha256 },
      build: { type: 'custom', steps: ['mkdir -p /usr/local/share', 'cp hello.txt /usr/local/share/'] },
    });
    workspace.write('tagged/stage.json', {
      source: { git: join(scratch, 'remote.git'), rev: 'v1.0' },
      build: { type: 'custom', steps: ['mkdir -p /usr/local/share', 'cp version.txt /usr/local/share/'] },
    });
    workspace.write(
      'tool/Dockerfile',
      ['FROM base AS build', 'COPY --from=tarball /usr/local/share/hello.txt /hello.txt', 'FROM build', 'COPY --from=tagged /usr/local/share/version.txt /version.txt', ''].join('\n'),
    );
  });
  afterAll(async () => {
    workspace.remove();
    server.close();
    rmSync(scratch, { recursive: true, force: true });
    await removeImagesNamed(imageName);
  });

  it('fetches a url source once, exports a git tag, and rewrites Dockerfile stage references to upstream tags', async () => {
    const run = await runNxAsync(workspace.root, ['run-many', '-t', 'docker-stage', '--output-style=static'], CLOCK);
    expect(run.status).toBe(0);
    expect(summaryStatuses(run.stdout + run.stderr)).toEqual({ base: 'built', tarball: 'built', tagged: 'built', tool: 'built' });
    expect(requests).toBe(1);
    const tool = (await stageTagsNamed(`${imageName}-tool:`))[0];
    expect(await fileFromImage(tool, '/hello.txt')).toBe('hello from a tarball\n');
    expect(await fileFromImage(tool, '/version.txt')).toBe('v1\n');

    const tagged = JSON.parse(readFileSync(join(workspace.root, 'dist/stagecraft/tagged.json'), 'utf8'));
    const commit = git(join(scratch, 'remote.git'), 'rev-parse', 'v1.0^{commit}').trim();
    expect(tagged.keyDocument.source).toEqual({ git: join(scratch, 'remote.git'), commit });
    const labels = (await docker.getImage(tagged.tag).inspect()).Config.Labels;
    expect(labels['dev.stagecraft.rev']).toBe(commit);

    // A rebuild of the url stage uses the content-addressed store: no second download.
    const forced = await runNxAsync(workspace.root, ['run', 'tarball:docker-stage', '--force', '--output-style=static'], CLOCK);
    expect(forced.status).toBe(0);
    expect(requests).toBe(1);
  });

  it('refuses a checksum mismatch with a clear error, and builds nothing', async () => {
    const wrong = createTestWorkspace({ imageName: `${imageName}-bad`, defaultBase: 'base' });
    try {
      writeBusyboxBase(wrong);
      wrong.write('tarball/stage.json', {
        source: { url: `${baseUrl}/hello-1.0.tar.gz`, sha256: 'f'.repeat(64) },
        build: { type: 'custom', steps: ['true'] },
      });
      const run = await runNxAsync(wrong.root, ['run', 'tarball:docker-stage', '--output-style=static'], CLOCK);
      expect(run.status).not.toBe(0);
      expect(run.stdout + run.stderr).toMatch(/tarball\/stage\.json at \/source: sha256 mismatch for http:\/\/127\.0\.0\.1:\d+\/hello-1\.0\.tar\.gz: expected f{64}, got [0-9a-f]{64}/);
      expect(await tagsNamed(`${imageName}-bad-tarball:`)).toEqual([]);
    } finally {
      wrong.remove();
      await removeImagesNamed(`${imageName}-bad`);
    }
  });
});
