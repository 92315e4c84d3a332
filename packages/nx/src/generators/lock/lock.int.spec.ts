import Docker from 'dockerode';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { readFilesFromImage } from '../../docker/archive';
import { mirrorPath } from '../../sources/git';
import { removeImagesNamed, uniqueImageName } from '../../../testing/engine';
import { createTestWorkspace, runNxAsync, writeBusyboxBase, type TestWorkspace } from '../../../testing/workspace';
import { summaryStatuses } from '../../../testing/summary';
import { git } from '../../../testing/git';

const CLOCK = { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' };
const COPY_VERSION = { type: 'custom', steps: ['mkdir -p /usr/local/share', 'cp version.txt /usr/local/share/'] };

/** A bare repository with a main and a 1.x branch, v-prefixed release tags (one annotated) and a pre-release. */
function createRemote(scratch: string) {
  const remote = join(scratch, 'lib.git');
  const work = join(scratch, 'lib-work');
  git(scratch, 'init', '-q', '--bare', '--initial-branch=main', remote);
  git(scratch, 'clone', '-q', remote, work);
  const commit = (version: string) => {
    writeFileSync(join(work, 'version.txt'), `${version}\n`);
    git(work, 'add', '-A');
    git(work, 'commit', '-qm', version);
    return git(work, 'rev-parse', 'HEAD');
  };
  commit('1.0.0');
  git(work, 'tag', 'v1.0.0');
  commit('1.2.0');
  git(work, 'tag', 'v1.2.0');
  const v140 = commit('1.4.0');
  git(work, 'tag', '-a', 'v1.4.0', '-m', 'release 1.4.0');
  git(work, 'branch', '1.x');
  commit('2.0.0-rc.1');
  git(work, 'tag', 'v2.0.0-rc.1');
  const head = commit('main-1');
  git(work, 'push', '-q', 'origin', 'main', '1.x', '--tags');
  const advance = (version: string) => {
    const moved = commit(version);
    git(work, 'push', '-q', 'origin', 'main');
    return moved;
  };
  return { remote, head, v140, advance };
}

describe('lock, sources and offline builds (real git, real HTTP server, real engine)', () => {
  const imageName = uniqueImageName('lock');
  let scratch: string;
  let workspace: TestWorkspace;
  let origin: ReturnType<typeof createRemote>;
  let server: Server;
  let baseUrl: string;
  let archive: Buffer;
  let serving = true;
  const nx = (...args: string[]) => runNxAsync(workspace.root, args[0] === 'g' || args[0] === 'show' ? args : [...args, '--output-style=static'], CLOCK);
  const pins = (stage: string) => JSON.parse(readFileSync(join(workspace.root, stage, 'stage.lock.json'), 'utf8'));
  const commitAll = (message: string) => {
    git(workspace.root, 'add', '-A');
    git(workspace.root, 'commit', '-qm', message);
  };

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'stagecraft-lock-'));
    origin = createRemote(scratch);
    mkdirSync(join(scratch, 'hello-1.0'));
    writeFileSync(join(scratch, 'hello-1.0', 'version.txt'), 'archive\n');
    execFileSync('tar', ['-czf', 'hello.tar.gz', 'hello-1.0'], { cwd: scratch });
    archive = readFileSync(join(scratch, 'hello.tar.gz'));
    server = createServer((request, response) => {
      if (!serving) return void response.writeHead(503).end();
      if (request.url === '/hello.tar.gz') return void response.end(archive);
      if (request.url === '/slow.tar.gz') {
        // Half now, half after 1.5 s: long enough for a progress line.
        response.writeHead(200, { 'content-length': String(archive.length) });
        response.write(archive.subarray(0, 20));
        return void setTimeout(() => response.end(archive.subarray(20)), 1500);
      }
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    workspace = createTestWorkspace({ imageName, defaultBase: 'base' });
    writeBusyboxBase(workspace);
    const sha256 = createHash('sha256').update(archive).digest('hex');
    workspace.write('.gitignore', 'node_modules\n.nx\ndist\n');
    workspace.write('follow/stage.json', { source: { git: origin.remote, rev: 'main' }, build: COPY_VERSION });
    workspace.write('ranged/stage.json', { source: { git: origin.remote, rev: '^1.2.0' }, build: COPY_VERSION });
    workspace.write('tagged/stage.json', { source: { git: origin.remote, rev: 'v1.0.0' }, build: COPY_VERSION });
    workspace.write('downstream/stage.json', { depends: ['follow'], build: { type: 'custom', steps: ['true'] } });
    workspace.write('slow/stage.json', { source: { url: `${baseUrl}/slow.tar.gz`, sha256 }, build: COPY_VERSION });
    git(workspace.root, 'init', '-q', '--initial-branch=main');
  });

  afterAll(async () => {
    workspace.remove();
    server.close();
    rmSync(scratch, { recursive: true, force: true });
    await removeImagesNamed(imageName);
  });

  it('refuses a floating rev without a pin, and reports every lock and sources error with nothing written', async () => {
    const unpinned = await nx('run', 'follow:stage-plan');
    expect(unpinned.status).not.toBe(0);
    expect(unpinned.stdout + unpinned.stderr).toContain(
      `follow/stage.json at /source/rev: 'main' is not a tag of ${origin.remote}, and a branch floats: follow/stage.lock.json pins no commit for it; pin it with nx g @stagecraft/nx:lock --include='^follow$'`,
    );

    workspace.write('nobranch/stage.json', { source: { git: origin.remote, rev: 'branch:develop' }, build: COPY_VERSION });
    workspace.write('norange/stage.json', { source: { git: origin.remote, rev: '^3.0.0' }, build: COPY_VERSION });
    workspace.write('unreachable/stage.json', { source: { git: join(scratch, 'nowhere.git'), rev: 'main' }, build: COPY_VERSION });
    const lock = await nx('g', '@stagecraft/nx:lock', '--include=^no', '--include=^unreachable$');
    const output = lock.stdout + lock.stderr;
    expect(lock.status).not.toBe(0);
    expect(output).toContain(`nobranch/stage.json at /source/rev: 'develop' is not a branch of ${origin.remote} (its branches: 1.x, main)`);
    expect(output).toContain(`norange/stage.json at /source/rev: no tag of ${origin.remote} satisfies the semver range '^3.0.0' (its version tags: v1.0.0, v1.2.0, v1.4.0, v2.0.0-rc.1)`);
    expect(output).toContain(`unreachable/stage.json at /source/rev: could not reach ${join(scratch, 'nowhere.git')}: fatal: '${join(scratch, 'nowhere.git')}' does not appear to be a git repository`);
    for (const stage of ['nobranch', 'norange', 'unreachable']) expect(existsSync(join(workspace.root, stage, 'stage.lock.json'))).toBe(false);

    workspace.write('badsum/stage.json', { source: { url: `${baseUrl}/hello.tar.gz`, sha256: 'f'.repeat(64) }, build: COPY_VERSION });
    workspace.write('gone/stage.json', { source: { git: join(scratch, 'nowhere.git'), rev: origin.head }, build: COPY_VERSION });
    const sources = await nx('run-many', '-t', 'sources', '--projects=badsum,gone');
    const fetched = sources.stdout + sources.stderr;
    expect(sources.status).not.toBe(0);
    expect(fetched).toMatch(/badsum\/stage\.json at \/source: sha256 mismatch for http:\/\/127\.0\.0\.1:\d+\/hello\.tar\.gz: expected f{64}, got [0-9a-f]{64}; the download was discarded/);
    expect(fetched).toContain(`gone/stage.json at /source/rev: the git mirror of ${join(scratch, 'nowhere.git')} lacks commit ${origin.head} and the remote could not be reached`);
    expect(fetched).toContain('sources: 0 fetched, 0 already present, 2 failed (');
    const store = join(workspace.root, '.nx', 'cache', 'stagecraft');
    expect(readdirSync(join(store, 'sha256'))).toEqual([]);
    // Only the mirror the stage-plan above made; nothing for the unreachable remote, no half-written clone.
    expect(readdirSync(join(store, 'git'))).toEqual([basename(mirrorPath(origin.remote, store))]);

    for (const stage of ['nobranch', 'norange', 'unreachable', 'badsum', 'gone']) rmSync(join(workspace.root, stage), { recursive: true });
  });

  it('locks, notices the remote moving, moves exactly that pin, fetches sources and builds with every remote gone', async () => {
    // 1-2. lock and commit
    const locked = await nx('g', '@stagecraft/nx:lock');
    expect(locked.stdout + locked.stderr).toContain('follow: source: pin main -> ');
    expect(locked.status).toBe(0);
    expect(pins('follow')).toEqual({ source: { git: origin.remote, rev: 'main', ref: 'refs/heads/main', commit: origin.head } });
    expect(pins('ranged')).toEqual({ source: { git: origin.remote, rev: '^1.2.0', ref: 'refs/tags/v1.4.0', commit: origin.v140 } });
    expect(existsSync(join(workspace.root, 'tagged', 'stage.lock.json'))).toBe(false);
    expect(readFileSync(join(workspace.root, 'follow', 'stage.lock.json'), 'utf8')).toBe(
      `{\n  "source": {\n    "git": "${origin.remote}",\n    "rev": "main",\n    "ref": "refs/heads/main",\n    "commit": "${origin.head}"\n  }\n}\n`,
    );
    const plan = await nx('run', 'follow:stage-plan', '--json');
    expect(plan.status).toBe(0);
    commitAll('lock');

    // 3-4. the remote moves, no tag changes: --check fails and changes nothing
    const moved = origin.advance('main-2');
    const check = await nx('g', '@stagecraft/nx:lock', '--check');
    expect(check.status).not.toBe(0);
    expect(check.stdout + check.stderr).toContain(`follow: source: move main -> ${origin.head.slice(0, 12)} (refs/heads/main) => main -> ${moved.slice(0, 12)} (refs/heads/main)`);
    expect(check.stdout + check.stderr).toContain('1 pin file(s) out of date: follow/stage.lock.json. Update them with: nx g @stagecraft/nx:lock --update');
    expect(git(workspace.root, 'status', '--porcelain')).toBe('');

    // 5-7. --update, commit: exactly the moved stage and its dependents are affected
    const update = await nx('g', '@stagecraft/nx:lock', '--update');
    expect(update.status).toBe(0);
    expect(pins('follow').source.commit).toBe(moved);
    expect(git(workspace.root, 'status', '--porcelain')).toBe('M follow/stage.lock.json');
    commitAll('lock --update');
    const affected = await nx('show', 'projects', '--affected', '--base=HEAD~1', '--head=HEAD', '--json');
    expect(JSON.parse(affected.stdout).sort()).toEqual(['downstream', 'follow']);

    // 8. sources: progress for the slow download, then a summary (the stage-plan above left lib.git's mirror holding the tags)
    const sources = await nx('run-many', '-t', 'sources');
    expect(sources.status).toBe(0);
    expect(sources.stdout + sources.stderr).toMatch(/slow: downloading http:\/\/127\.0\.0\.1:\d+\/slow\.tar\.gz: \d+ s/);
    expect(sources.stdout + sources.stderr).toContain('sources: 2 fetched, 2 already present, 0 failed');
    const again = await nx('run-many', '-t', 'sources', '--skip-nx-cache');
    expect(again.stdout + again.stderr).toContain('sources: 0 fetched, 4 already present, 0 failed');

    // 9-10. every remote goes away; the build succeeds
    renameSync(origin.remote, `${origin.remote}.away`);
    serving = false;
    const build = await nx('run-many', '-t', 'docker-stage');
    expect(build.status).toBe(0);
    expect(summaryStatuses(build.stdout + build.stderr)).toEqual({
      base: 'built', follow: 'built', ranged: 'built', tagged: 'built', downstream: 'built', slow: 'built',
    });
    const manifest = JSON.parse(readFileSync(join(workspace.root, 'dist/stagecraft/follow.json'), 'utf8'));
    expect(manifest.keyDocument.source).toEqual({ git: origin.remote, commit: moved });
    const out = mkdtempSync(join(scratch, 'read-'));
    await readFilesFromImage(new Docker(), manifest.tag, ['/usr/local/share/version.txt'], out);
    expect(readFileSync(join(out, 'version.txt'), 'utf8')).toBe('main-2\n');
  });

  it('says to run sources when a pinned commit is missing from the mirror and the remote is gone', async () => {
    renameSync(`${origin.remote}.away`, origin.remote);
    const unfetched = origin.advance('main-3');
    renameSync(origin.remote, `${origin.remote}.away`);
    const pin = pins('follow');
    workspace.write('follow/stage.lock.json', { source: { ...pin.source, commit: unfetched } });
    const build = await nx('run', 'follow:docker-stage');
    expect(build.status).not.toBe(0);
    expect(build.stdout + build.stderr).toContain(
      `follow/stage.json at /source: the git mirror of ${origin.remote} lacks commit ${unfetched} and the remote could not be reached`,
    );
    expect(build.stdout + build.stderr).toContain('fetch sources ahead of builds, while the remote is reachable, with: nx run-many -t sources');
  });

  it('fetches a source pinned to an exact commit in sources, and counts it as fetched', async () => {
    renameSync(`${origin.remote}.away`, origin.remote);
    const fresh = join(scratch, 'fresh.git');
    git(scratch, 'clone', '-q', '--bare', origin.remote, fresh);
    workspace.write('exact/stage.json', { source: { git: fresh, rev: origin.head }, build: COPY_VERSION });
    const first = await nx('run', 'exact:sources', '--skip-nx-cache');
    expect(first.status).toBe(0);
    expect(first.stdout + first.stderr).toContain('sources: 1 fetched, 0 already present, 0 failed');
    const again = await nx('run', 'exact:sources', '--skip-nx-cache');
    expect(again.stdout + again.stderr).toContain('sources: 0 fetched, 1 already present, 0 failed');
  });
});
