import Docker from 'dockerode';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFilesFromImage } from '../../docker/archive';
import { buildExternalBase, pinLocalBase, removeImagesNamed, stageTagsNamed, tagsNamed, uniqueImageName } from '../../../testing/engine';
import { startRemoteCacheServer, type RemoteCacheServer } from '../../../testing/remote-cache-server';
import { createTestWorkspace, runNxAsync, writeBusyboxBase, type TestWorkspace } from '../../../testing/workspace';

const docker = new Docker();
const CLOCK = { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' };
const TOKEN = 'stagecraft-remote-cache-test-token';
const PACKAGE_STAGES = ['libfoo', 'libbar'];


/**
 * base (busybox) <- libfoo <- libbar, both exporting a tar.gz package;
 * app (FROM an external image) consumes both packages and no upstream image.
 */
function writeStages(workspace: TestWorkspace, externalBase: string) {
  writeBusyboxBase(workspace);
  workspace.write('libfoo/stage.json', {
    build: {
      type: 'custom',
      steps: [
        'mkdir -p /out /tmp/p/share /usr/local/share',
        'cp foo.txt /tmp/p/share/foo.txt',
        'cp foo.txt /usr/local/share/foo.txt',
        'tar -C /tmp/p -czf /out/libfoo-1.0.tar.gz share',
      ],
    },
    exports: { packages: ['/out/*.tar.gz'] },
  });
  workspace.write('libfoo/foo.txt', 'foo from libfoo\n');
  workspace.write('libbar/stage.json', {
    depends: ['libfoo'],
    build: {
      type: 'custom',
      steps: [
        'mkdir -p /out /tmp/p/share',
        'cat /usr/local/share/foo.txt bar.txt > /tmp/p/share/bar.txt',
        'tar -C /tmp/p -czf /out/libbar-1.0.tar.gz share',
      ],
    },
    exports: { packages: ['/out/*.tar.gz'] },
  });
  workspace.write('libbar/bar.txt', 'bar from libbar\n');
  workspace.write('app/stage.json', {
    from: externalBase,
    depends: ['libfoo', 'libbar'],
    consumePackages: true,
    build: { type: 'custom', steps: ['cat /usr/local/share/foo.txt /usr/local/share/bar.txt > /usr/local/share/app.txt'] },
  });
}

function packageFiles(workspace: TestWorkspace): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (const stage of PACKAGE_STAGES) {
    const dir = join(workspace.root, 'dist/packages', stage);
    for (const name of readdirSync(dir)) files[`${stage}/${name}`] = readFileSync(join(dir, name));
  }
  return files;
}

describe('Nx self-hosted remote cache round trip for packages, across two clones', () => {
  // One image name for both clones: it is part of nx.json and of every key, so the clones must agree on it.
  const imageName = uniqueImageName('rcache');
  const externalBase = `${imageName}-external:1`;
  let server: RemoteCacheServer;
  let first: TestWorkspace;
  let second: TestWorkspace;

  /**
   * Each clone keeps its own local Nx cache, so only the remote cache can connect them.
   * Asynchronous, because the server answers from this process's event loop.
   */
  const nxIn = (workspace: TestWorkspace, args: string[], token = TOKEN) =>
    runNxAsync(workspace.root, [...args, '--output-style=static'], {
      ...CLOCK,
      NX_SELF_HOSTED_REMOTE_CACHE_SERVER: server.url,
      NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token,
      NX_CACHE_DIRECTORY: join(workspace.root, '.nx', 'cache'),
    });

  beforeAll(async () => {
    server = await startRemoteCacheServer({ accessToken: TOKEN });
    await buildExternalBase(externalBase);
    first = createTestWorkspace({ imageName, defaultBase: 'base' }, mkdtempSync(join(tmpdir(), 'stagecraft-clone-1-')));
    second = createTestWorkspace({ imageName, defaultBase: 'base' }, mkdtempSync(join(tmpdir(), 'stagecraft-clone-2-')));
    writeStages(first, externalBase);
    writeStages(second, externalBase);
    for (const workspace of [first, second]) await pinLocalBase(workspace, 'app', externalBase);
  });
  afterAll(async () => {
    await server?.close();
    for (const workspace of [first, second]) {
      if (workspace) rmSync(join(workspace.root, '..'), { recursive: true, force: true });
    }
    await removeImagesNamed(imageName);
  });

  it('clone 1 builds its packages and uploads each package task to the server', async () => {
    const run = await nxIn(first, ['run-many', '-t', 'package']);
    const output = run.stdout + run.stderr;
    expect(run.status).toBe(0);
    expect(output).not.toContain('[remote cache]');
    expect(output).not.toMatch(/remote cache endpoint|Unauthorized/i);

    expect(server.count('PUT', { status: 200 })).toBe(PACKAGE_STAGES.length);
    expect(server.count('PUT')).toBe(PACKAGE_STAGES.length);
    expect(server.storedHashes()).toHaveLength(PACKAGE_STAGES.length);
    expect(server.count('GET', { status: 200 })).toBe(0);
    expect(server.requests.every((request) => request.status !== 401)).toBe(true);

    expect(await stageTagsNamed(`${imageName}-libfoo:`)).toHaveLength(1);
    expect(await stageTagsNamed(`${imageName}-libbar:`)).toHaveLength(1);
    expect(readdirSync(join(first.root, 'dist/packages/libfoo'))).toEqual(['libfoo-1.0.tar.gz']);
    expect(readdirSync(join(first.root, 'dist/packages/libbar'))).toEqual(['libbar-1.0.tar.gz']);
  });

  it('clone 2, with no local cache and no image, gets every package from the server and builds nothing', async () => {
    for (const tag of await tagsNamed(`${imageName}-`)) {
      if (tag !== externalBase) await docker.getImage(tag).remove({ force: true });
    }
    expect(await tagsNamed(`${imageName}-`)).toEqual([externalBase]);
    expect(existsSync(join(second.root, '.nx'))).toBe(false);
    expect(existsSync(join(second.root, 'dist'))).toBe(false);
    const stored = server.storedHashes();
    const requestsBefore = server.requests.length;

    const run = await nxIn(second, ['run-many', '-t', 'package']);
    const output = run.stdout + run.stderr;
    expect(run.status).toBe(0);
    for (const stage of PACKAGE_STAGES) expect(output).toMatch(new RegExp(`${stage}:package.*\\[remote cache\\]`));

    const requests = server.requests.slice(requestsBefore);
    expect(requests.filter((r) => r.method === 'PUT')).toEqual([]);
    expect(requests.filter((r) => r.method === 'GET' && r.status === 200).map((r) => r.hash).sort()).toEqual(stored);

    expect(packageFiles(second)).toEqual(packageFiles(first));
    expect(await tagsNamed(`${imageName}-`)).toEqual([externalBase]);
    // Nx replays clone 1's terminal output (its image build log) for a cache hit; the engine is the witness above.
    expect(output).not.toMatch(/Stagecraft:.*built/);
  });

  it('clone 2 then builds the package-consuming stage alone, from the restored packages', async () => {
    const requestsBefore = server.requests.length;
    const run = await nxIn(second, ['run', 'app:docker-stage']);
    const output = run.stdout + run.stderr;
    expect(run.status).toBe(0);
    for (const stage of PACKAGE_STAGES) expect(output).toMatch(new RegExp(`${stage}:package.*(local cache|existing outputs match the cache)`));
    expect(output).toContain('Stagecraft: 1 stage: 1 built');
    expect(server.requests.slice(requestsBefore)).toEqual([]);

    const appTags = await stageTagsNamed(`${imageName}-app:`);
    expect(appTags).toHaveLength(1);
    // The build named the base, pinned by its local image id, through an id tag beside its own.
    const baseId = (await docker.getImage(externalBase).inspect()).Id.replace('sha256:', '');
    expect(await stageTagsNamed(`${imageName}-`)).toEqual([...appTags, externalBase, `${imageName}-external:id-${baseId}`].sort());

    const out = mkdtempSync(join(tmpdir(), 'stagecraft-app-'));
    try {
      await readFilesFromImage(docker, appTags[0], ['/usr/local/share/app.txt'], out);
      expect(readFileSync(join(out, 'app.txt'), 'utf8')).toBe('foo from libfoo\nfoo from libfoo\nbar from libbar\n');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('a clone with a wrong token is refused: Nx stops with the server\'s 401 message and runs nothing', async () => {
    const third = createTestWorkspace({ imageName, defaultBase: 'base' }, mkdtempSync(join(tmpdir(), 'stagecraft-clone-3-')));
    try {
      writeStages(third, externalBase);
      const requestsBefore = server.requests.length;
      const run = await nxIn(third, ['run', 'libfoo:package'], 'not-the-token');
      expect(run.status).not.toBe(0);
      expect(run.stdout + run.stderr).toContain('Unauthorized: Missing or invalid authentication token.');
      const requests = server.requests.slice(requestsBefore);
      expect(requests.length).toBeGreaterThan(0);
      expect(requests.every((r) => r.status === 401)).toBe(true);
      expect(existsSync(join(third.root, 'dist/packages/libfoo'))).toBe(false);
    } finally {
      rmSync(join(third.root, '..'), { recursive: true, force: true });
    }
  });
});
