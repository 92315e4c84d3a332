import Docker from 'dockerode';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFilesFromImage } from '../../docker/archive';
import { removeImagesNamed, stageTagsNamed, tagsNamed, uniqueImageName } from '../../../testing/engine';
import { createTestWorkspace, runNxAsync, writeBusyboxBase, type TestWorkspace } from '../../../testing/workspace';
import { summaryStatuses } from '../../../testing/summary';
import { git } from '../../../testing/git';
import { makeDebRepository, writeAptBase } from '../../../testing/debian';
import { REPO_ROOT } from '../../../testing/workspace';

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

/**
 * Sources fetched on the host (an HTTP server on 127.0.0.1, a bare git repository on disk), Dockerfile
 * stage references, and stages that download while they build (from the same server, on the host network).
 */
describe('docker-stage with url and git sources, Dockerfile stage references and networked stages (real engine)', () => {
  const imageName = uniqueImageName('src');
  let scratch: string;
  let server: Server;
  let requests = 0;
  let archive: Buffer;
  let baseUrl: string;
  /** What the builds asked the server for: the path, and whether it came through it as a proxy. */
  const served: Array<{ path: string; proxied: boolean }> = [];
  let workspace: TestWorkspace;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'stagecraft-sources-'));
    mkdirSync(join(scratch, 'hello-1.0'));
    writeFileSync(join(scratch, 'hello-1.0', 'hello.txt'), 'hello from a tarball\n');
    execFileSync('tar', ['-czf', 'hello-1.0.tar.gz', 'hello-1.0'], { cwd: scratch });
    archive = readFileSync(join(scratch, 'hello-1.0.tar.gz'));
    makeDebRepository(join(scratch, 'debian'), [{ name: 'stagecraft-hello', version: '1.0', files: { '/usr/share/stagecraft-hello/hello.txt': 'hello from a deb\n' } }]);
    server = createServer((request, response) => {
      // A proxy is asked for the whole URL (absolute form); a server, for the path.
      const proxied = request.url!.startsWith('http://');
      const { pathname } = new URL(request.url!, 'http://127.0.0.1');
      if (pathname === '/hello-1.0.tar.gz') {
        requests++;
        response.end(archive);
        return;
      }
      served.push({ path: pathname, proxied });
      const debianFile = /^\/debian\/(?:\.\/)?([\w.+-]+)$/.exec(pathname)?.[1];
      if (pathname === '/fetched.txt') response.end('fetched while building\n');
      else if (debianFile && existsSync(join(scratch, 'debian', debianFile))) response.end(readFileSync(join(scratch, 'debian', debianFile)));
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

  it('a "host" stage downloads from 127.0.0.1 with the caller\'s proxies; without network it fails naming network; the setting moves the tag, the proxies do not', async () => {
    const steps = [
      'mkdir -p /usr/local/share',
      // The image name makes the command new on every test run: BuildKit's cache outlives the images.
      `wget -O /usr/local/share/fetched.txt ${baseUrl}/fetched.txt?for=${imageName}`,
      'env | grep -i _proxy= | sort > /usr/local/share/proxies.txt',
    ];
    workspace.write('fetcher/stage.json', { build: { type: 'custom', steps } });
    const offline = await runNxAsync(workspace.root, ['run', 'fetcher:docker-stage', '--output-style=static'], { ...CLOCK, HTTP_PROXY: baseUrl });
    expect(offline.status).not.toBe(0);
    const offlineOutput = offline.stdout + offline.stderr;
    // The failure message: the failing step, the log tail, then one line on the network.
    expect(offlineOutput).toMatch(
      /fetcher: failed: build of \S+ failed at "[^\n]*wget[^\n]*": [^\n]*\n(fetcher: {3}\| [^\n]*\n)*fetcher: stage fetcher builds with no network \(fetcher\/stage\.json\): if this step downloads, declare "network": "host" \(or "default"\) in fetcher\/stage\.json\n/,
    );
    const offlineTag = /build of (\S+) failed/.exec(offlineOutput)![1];
    expect(served).toEqual([]);

    workspace.write('fetcher/stage.json', { build: { type: 'custom', steps }, network: 'host' });
    const proxies = { HTTP_PROXY: baseUrl, no_proxy: 'example.invalid' };
    const online = await runNxAsync(workspace.root, ['run', 'fetcher:docker-stage', '--output-style=static'], { ...CLOCK, ...proxies });
    expect(online.status).toBe(0);
    expect(summaryStatuses(online.stdout + online.stderr)).toMatchObject({ fetcher: 'built' });
    const fetcherTag = (await tagsNamed(`${imageName}-fetcher:`))[0];
    expect(fetcherTag).not.toBe(offlineTag);
    expect(online.stdout + online.stderr).toContain(`${fetcherTag}  (network: host)`);
    // busybox wget took HTTP_PROXY (given as http_proxy too): the server was asked as a proxy.
    expect(served).toEqual([{ path: '/fetched.txt', proxied: true }]);
    expect(await fileFromImage(fetcherTag, '/usr/local/share/fetched.txt')).toBe('fetched while building\n');
    const seenInside = (await fileFromImage(fetcherTag, '/usr/local/share/proxies.txt')).split('\n');
    expect(seenInside).toEqual(expect.arrayContaining([`HTTP_PROXY=${baseUrl}`, `http_proxy=${baseUrl}`, 'NO_PROXY=example.invalid', 'no_proxy=example.invalid']));

    // Other proxies (or none) on another machine: the same tag, present.
    const again = await runNxAsync(workspace.root, ['run', 'fetcher:docker-stage', '--output-style=static'], { ...CLOCK, HTTPS_PROXY: 'http://127.0.0.1:9' });
    expect(summaryStatuses(again.stdout + again.stderr)).toMatchObject({ fetcher: 'present' });
  });

  it('a "host" stage on a Debian base installs a package with apt-get from a repository on 127.0.0.1, and says so in status', async () => {
    writeAptBase(workspace);
    workspace.write('apt-tools/stage.json', {
      from: 'apt-base',
      network: 'host',
      build: {
        type: 'custom',
        steps: [`echo "deb [trusted=yes] ${baseUrl}/debian ./ # ${imageName}" > /etc/apt/sources.list`, 'apt-get update', 'apt-get install -y --no-install-recommends stagecraft-hello'],
      },
    });
    const run = await runNxAsync(workspace.root, ['run', 'apt-tools:docker-stage', '--output-style=static'], CLOCK);
    expect(run.status).toBe(0);
    expect(summaryStatuses(run.stdout + run.stderr)).toEqual({ 'apt-base': 'built', 'apt-tools': 'built' });
    const tag = (await tagsNamed(`${imageName}-apt-tools:`))[0];
    expect(await fileFromImage(tag, '/usr/share/stagecraft-hello/hello.txt')).toBe('hello from a deb\n');
    expect(served.map(({ path }) => path)).toEqual(expect.arrayContaining(['/debian/Packages', '/debian/stagecraft-hello_1.0_all.deb']));

    const status = spawnSync(process.execPath, [join(REPO_ROOT, 'packages/nx/dist/cli/stagecraft.js'), 'status', 'apt-base', 'apt-tools', '--json'], {
      cwd: workspace.root,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', ...CLOCK },
    });
    expect(JSON.parse(status.stdout)).toEqual([
      expect.objectContaining({ stage: 'apt-base', status: 'present', network: 'none' }),
      expect.objectContaining({ stage: 'apt-tools', status: 'present', network: 'host', tag }),
    ]);
  });
});
