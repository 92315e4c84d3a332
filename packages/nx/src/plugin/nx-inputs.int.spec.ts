import { git } from '../../testing/git';
import { createTestWorkspace, type NxRun, type TestWorkspace } from '../../testing/workspace';

/**
 * Nx's cached targets read what the key reads: a gitignored file that is in the
 * build context (Nx's file inputs skip it; the key hashes it) still makes a
 * cached stage-plan miss when it changes. Real nx, real git, no Docker.
 */
describe("Nx's inputs cover the key's files", () => {
  let workspace: TestWorkspace;
  const plan = () => workspace.nx(['run', 'lib:stage-plan', '--json', '--output-style=static'], { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' });
  const keyOf = (run: NxRun) => {
    expect({ status: run.status, stderr: run.stderr.slice(-2000) }).toMatchObject({ status: 0 });
    return JSON.parse(run.stdout.split('\n').find((line) => line.startsWith('{'))!).key as string;
  };
  const fromCache = (run: NxRun) => /existing outputs match the cache|\[local cache\]|read the output from the cache/i.test(run.stdout + run.stderr);

  beforeAll(() => {
    workspace = createTestWorkspace({ imageName: 'nx-inputs' });
    workspace.write('.gitignore', 'node_modules\n.nx\n*.log\n');
    workspace.write('lib/stage.json', { from: 'example.invalid/base:1', build: { type: 'custom', steps: ['cat build.log'] } });
    workspace.write('lib/build.log', 'generated before the build\n');
    workspace.write('lib/.dockerignore', 'notes.md\n');
    workspace.write('lib/notes.md', 'not sent to Docker\n');
    git(workspace.root, 'init', '-q');
    git(workspace.root, 'add', '-A');
    git(workspace.root, 'commit', '-q', '-m', 'workspace');
  });
  afterAll(() => workspace.remove());

  it('a changed gitignored file in the context misses the cache and gives a new key', () => {
    const first = keyOf(plan());
    const replayed = plan();
    expect(fromCache(replayed)).toBe(true);
    expect(keyOf(replayed)).toBe(first);

    workspace.write('lib/build.log', 'generated again, differently\n');
    const after = plan();
    expect(fromCache(after)).toBe(false);
    expect(keyOf(after)).not.toBe(first);
  });

  it('a file the .dockerignore leaves out is not in the key', () => {
    const before = keyOf(plan());
    workspace.write('lib/notes.md', 'edited\n');
    expect(keyOf(plan())).toBe(before);
  });
});
