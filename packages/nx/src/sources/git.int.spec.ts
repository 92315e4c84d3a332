import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportGitRev, mirrorPath, resolveGitRev } from './git';
import { git } from '../../testing/git';



/** A bare repository with two commits, a lightweight tag v1.0 and an annotated tag v2.0. */
function createRepository(temp: string) {
  const repo = join(temp, 'origin.git');
  const work = join(temp, 'work');
  git(temp, 'init', '--quiet', '--bare', '--initial-branch=main', repo);
  git(temp, 'clone', '--quiet', repo, work);
  const commit = (content: string) => {
    writeFileSync(join(work, 'version.txt'), content);
    git(work, 'add', 'version.txt');
    git(work, 'commit', '--quiet', '-m', content.trim());
    return git(work, 'rev-parse', 'HEAD');
  };
  const first = commit('1.0\n');
  git(work, 'tag', 'v1.0');
  const second = commit('2.0\n');
  git(work, 'tag', '-a', 'v2.0', '-m', 'release 2.0');
  git(work, 'push', '--quiet', 'origin', 'main', '--tags');
  return { repo, work, first, second, commit };
}

describe('exportGitRev (real git)', () => {
  let temp: string;
  let cache: string;
  let origin: ReturnType<typeof createRepository>;

  beforeEach(() => {
    temp = mkdtempSync(join(tmpdir(), 'stagecraft-git-'));
    cache = join(temp, 'cache');
    origin = createRepository(temp);
  });
  afterEach(() => rmSync(temp, { recursive: true, force: true }));

  const exported = (dir: string) => readFileSync(join(dir, 'version.txt'), 'utf8');

  it('exports the tree of a full commit id, keeping a bare mirror under <cacheDir>/git', async () => {
    const dest = join(temp, 'by-commit');
    await expect(exportGitRev(origin.repo, origin.first, dest, cache)).resolves.toEqual({ commit: origin.first });
    expect(exported(dest)).toBe('1.0\n');
    expect(readdirSync(dest)).toEqual(['version.txt']);
    const mirror = mirrorPath(origin.repo, cache);
    expect(readdirSync(join(cache, 'git'))).toEqual([mirror.split('/').pop()]);
    expect(git(mirror, 'rev-parse', '--is-bare-repository')).toBe('true');
  });

  it('exports a lightweight and an annotated tag, resolved to their commits', async () => {
    await expect(exportGitRev(origin.repo, 'v1.0', join(temp, 'v1'), cache)).resolves.toEqual({ commit: origin.first });
    await expect(exportGitRev(origin.repo, 'v2.0', join(temp, 'v2'), cache)).resolves.toEqual({ commit: origin.second });
    expect(exported(join(temp, 'v1'))).toBe('1.0\n');
    expect(exported(join(temp, 'v2'))).toBe('2.0\n');
  });

  it('works from the mirror alone once the rev is there', async () => {
    await resolveGitRev(origin.repo, 'v2.0', cache);
    rmSync(origin.repo, { recursive: true, force: true });
    const dest = join(temp, 'offline');
    await expect(exportGitRev(origin.repo, origin.second.toUpperCase(), dest, cache)).resolves.toEqual({ commit: origin.second });
    await expect(resolveGitRev(origin.repo, 'v1.0', cache)).resolves.toBe(origin.first);
    expect(exported(dest)).toBe('2.0\n');
  });

  it('fetches into the mirror when a commit or tag is newer than it', async () => {
    await resolveGitRev(origin.repo, 'v1.0', cache);
    const third = origin.commit('3.0\n');
    git(origin.work, 'tag', 'v3.0');
    git(origin.work, 'push', '--quiet', 'origin', 'main', '--tags');

    await expect(exportGitRev(origin.repo, third, join(temp, 'new-commit'), cache)).resolves.toEqual({ commit: third });
    const fourth = origin.commit('4.0\n');
    git(origin.work, 'tag', 'v4.0');
    git(origin.work, 'push', '--quiet', 'origin', 'main', '--tags');
    await expect(resolveGitRev(origin.repo, 'v4.0', cache)).resolves.toBe(fourth);
    expect(exported(join(temp, 'new-commit'))).toBe('3.0\n');
  });

  it('names the repository and the rev when the commit does not exist', async () => {
    const missing = '0123456789abcdef0123456789abcdef01234567';
    const dest = join(temp, 'missing');
    await expect(exportGitRev(origin.repo, missing, dest, cache)).rejects.toThrow(
      `rev '${missing}' of ${origin.repo} does not exist: the repository has no such commit`,
    );
    expect(existsSync(dest)).toBe(false);
  });

  it.each(['main', 'v9.9', '^1.0', 'HEAD~1', 'abcdef1'])('calls %s not exact', async (rev) => {
    await expect(exportGitRev(origin.repo, rev, join(temp, 'inexact'), cache)).rejects.toThrow(
      `rev '${rev}' is not a commit or a tag of ${origin.repo}: a branch or a semver range needs a pin (\`nx g @stagecraft/nx:lock\`)`,
    );
  });

  it('reports a repository that cannot be cloned', async () => {
    const nowhere = join(temp, 'nowhere.git');
    await expect(exportGitRev(nowhere, 'v1.0', join(temp, 'x'), cache)).rejects.toThrow(`could not clone ${nowhere}: `);
    expect(readdirSync(join(cache, 'git'))).toEqual([]);
  });

  it('lets concurrent exports share one mirror', async () => {
    const results = await Promise.all(
      ['v1.0', 'v2.0', origin.first, origin.second].map((rev, i) => exportGitRev(origin.repo, rev, join(temp, `c${i}`), cache)),
    );
    expect(results.map((r) => r.commit)).toEqual([origin.first, origin.second, origin.first, origin.second]);
    expect(readdirSync(join(cache, 'git'))).toHaveLength(1);
  });
});
