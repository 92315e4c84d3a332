import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareSource, treePath } from './prepare';
import { git } from '../../testing/git';

/** The unpacked trees in the store, without the manifest each one is checked against. */
function trees(cacheDir: string): string[] {
  const dir = join(cacheDir, 'trees');
  return existsSync(dir) ? readdirSync(dir).filter((name) => !name.endsWith('.manifest.json')) : [];
}


describe('prepareSource (real HTTP server on 127.0.0.1, real tar and git)', () => {
  let workspace: string;
  let cacheDir: string;
  let sha256: string;
  let server: Server;
  let base: string;
  const requests: string[] = [];
  const what = 'packages/zlib/stage.json at /source';

  beforeAll(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'stagecraft-prepare-'));
    mkdirSync(join(workspace, 'tree', 'zlib-1.3.1'), { recursive: true });
    writeFileSync(join(workspace, 'tree', 'zlib-1.3.1', 'zlib.h'), '#define ZLIB_VERSION "1.3.1"\n');
    mkdirSync(join(workspace, 'vendor'));
    execFileSync('tar', ['-czf', join(workspace, 'vendor', 'zlib.tar.gz'), '-C', join(workspace, 'tree'), 'zlib-1.3.1']);
    const archive = readFileSync(join(workspace, 'vendor', 'zlib.tar.gz'));
    sha256 = createHash('sha256').update(archive).digest('hex');

    server = createServer((request, response) => {
      requests.push(request.url ?? '');
      response.writeHead(200).end(archive);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(workspace, { recursive: true, force: true });
  });
  beforeEach(() => {
    requests.length = 0;
    cacheDir = mkdtempSync(join(workspace, 'cache-'));
  });

  it('unpacks a downloaded archive into <cacheDir>/trees/<sha256> and reuses it with no request', async () => {
    const source = { url: `${base}/zlib-1.3.1.tar.gz`, sha256 };
    const prepared = await prepareSource(source, { workspaceRoot: workspace, cacheDir, what, sourcesCommand: 'nx run-many -t sources' });
    expect(prepared).toEqual({ dir: treePath(cacheDir, sha256), identity: { sha256 } });
    expect(prepared.dir).toBe(join(cacheDir, 'trees', sha256));
    expect(readFileSync(join(prepared.dir, 'zlib.h'), 'utf8')).toContain('1.3.1');
    expect(requests).toHaveLength(1);

    await expect(prepareSource(source, { workspaceRoot: workspace, cacheDir, what, sourcesCommand: 'nx run-many -t sources' })).resolves.toEqual(prepared);
    expect(requests).toHaveLength(1);
    expect(trees(cacheDir)).toEqual([sha256]);
  });

  it('resolves a relative file: url against the workspace root', async () => {
    const prepared = await prepareSource({ url: 'file:vendor/zlib.tar.gz', sha256 }, { workspaceRoot: workspace, cacheDir, what, sourcesCommand: 'nx run-many -t sources' });
    expect(readdirSync(prepared.dir)).toEqual(['zlib.h']);
    expect(requests).toEqual([]);
  });

  it('starts its errors with the stage file and leaves no tree behind', async () => {
    const wrong = 'f'.repeat(64);
    await expect(prepareSource({ url: 'file:vendor/zlib.tar.gz', sha256: wrong }, { workspaceRoot: workspace, cacheDir, what, sourcesCommand: 'nx run-many -t sources' })).rejects.toThrow(
      `${what}: sha256 mismatch for file://${workspace}/vendor/zlib.tar.gz: expected ${wrong}, got ${sha256}; the download was discarded and nothing was built`,
    );
    expect(readdirSync(join(cacheDir, 'sha256'))).toEqual([]);
    expect(trees(cacheDir)).toEqual([]);
  });

  it('lets concurrent callers prepare the same source', async () => {
    const source = { url: `${base}/zlib-1.3.1.tar.gz`, sha256 };
    const prepared = await Promise.all(Array.from({ length: 5 }, () => prepareSource(source, { workspaceRoot: workspace, cacheDir, what, sourcesCommand: 'nx run-many -t sources' })));
    expect(new Set(prepared.map((p) => p.dir))).toEqual(new Set([treePath(cacheDir, sha256)]));
    expect(trees(cacheDir)).toEqual([sha256]);
    expect(readdirSync(join(cacheDir, 'sha256'))).toEqual([sha256]);
    expect(readdirSync(prepared[0].dir)).toEqual(['zlib.h']);
  });

  describe('from git', () => {
    let commit: string;
    beforeAll(() => {
      const repo = join(workspace, 'vendor', 'lib.git');
      const work = join(workspace, 'lib-work');
      git(workspace, 'init', '--quiet', '--bare', '--initial-branch=main', repo);
      git(workspace, 'clone', '--quiet', repo, work);
      writeFileSync(join(work, 'lib.c'), 'int lib;\n');
      git(work, 'add', 'lib.c');
      git(work, 'commit', '--quiet', '-m', 'lib');
      git(work, 'tag', 'v1.0');
      git(work, 'push', '--quiet', 'origin', 'main', '--tags');
      commit = git(work, 'rev-parse', 'HEAD');
    });

    it('exports a tag into <cacheDir>/trees/<commit>, identified by repository and commit', async () => {
      const source = { git: './vendor/lib.git', rev: 'v1.0' };
      const prepared = await prepareSource(source, { workspaceRoot: workspace, cacheDir, what, sourcesCommand: 'nx run-many -t sources' });
      expect(prepared).toEqual({ dir: treePath(cacheDir, commit), identity: { git: './vendor/lib.git', commit } });
      expect(readFileSync(join(prepared.dir, 'lib.c'), 'utf8')).toBe('int lib;\n');
      await expect(prepareSource({ git: './vendor/lib.git', rev: commit }, { workspaceRoot: workspace, cacheDir, what, sourcesCommand: 'nx run-many -t sources' })).resolves.toEqual(prepared);
      expect(trees(cacheDir)).toEqual([commit]);
    });

    it('starts git errors with the stage file', async () => {
      await expect(prepareSource({ git: './vendor/lib.git', rev: 'main' }, { workspaceRoot: workspace, cacheDir, what, sourcesCommand: 'nx run-many -t sources' })).rejects.toThrow(
        `${what}: rev 'main' is not a commit or a tag of ${join(workspace, 'vendor', 'lib.git')}`,
      );
    });
  });
});
