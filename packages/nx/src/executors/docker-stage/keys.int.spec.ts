import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeImagesNamed, uniqueImageName } from '../../../testing/engine';
import { createTestWorkspace, writeBusyboxBase, type TestWorkspace } from '../../../testing/workspace';
import { summaryStatuses } from '../../../testing/summary';
import { git } from '../../../testing/git';

const CLOCK = { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' };
const FEATURE_ON = { ...CLOCK, FEATURE: 'on' };



/**
 * base <- a, b, c, g. a and b declare the common rules file and the FEATURE
 * env value; c declares neither; g is hashed by its git tree.
 */
describe('declared inputs, env, git-commit mode, affected and --explain (real engine, real git)', () => {
  const imageName = uniqueImageName('keys');
  let workspace: TestWorkspace;
  const runAll = (env: NodeJS.ProcessEnv = FEATURE_ON, args: string[] = []) => {
    const run = workspace.nx(['run-many', '-t', 'docker-stage', '--output-style=static', ...args], env);
    expect(run.status).toBe(0);
    return summaryStatuses(run.stdout + run.stderr);
  };

  beforeAll(() => {
    workspace = createTestWorkspace({ imageName, defaultBase: 'base' });
    writeBusyboxBase(workspace);
    workspace.write('common/rules.mk', 'CFLAGS = -O2\n');
    for (const name of ['a', 'b']) {
      workspace.write(`${name}/stage.json`, {
        build: { type: 'custom', steps: ['true'] },
        inputs: ['{workspaceRoot}/common/*.mk'],
        env: ['FEATURE'],
      });
    }
    workspace.write('c/stage.json', { build: { type: 'custom', steps: ['true'] } });
    workspace.write('g/stage.json', { hashMode: 'git-commit', build: { type: 'custom', steps: ['cat tree.txt'] } });
    workspace.write('g/tree.txt', 'a large tree, hashed by git\n');
    workspace.write('.gitignore', 'node_modules\n.nx\ndist\n');
    git(workspace.root, 'init', '-q');
    git(workspace.root, 'add', '-A');
    git(workspace.root, 'commit', '-qm', 'initial');
    expect(Object.values(runAll()).every((status) => status === 'built')).toBe(true);
  });
  afterAll(async () => {
    workspace.remove();
    await removeImagesNamed(imageName);
  });

  it('a change to a common file rebuilds every stage that declares it and no other', () => {
    writeFileSync(join(workspace.root, 'common/rules.mk'), 'CFLAGS = -O3\n');
    expect(runAll()).toEqual({ base: 'present', a: 'built', b: 'built', c: 'present', g: 'present' });
  });

  it('a change to a declared env value rebuilds every stage that declares it and no other', () => {
    expect(runAll({ ...CLOCK, FEATURE: 'off' })).toEqual({ base: 'present', a: 'built', b: 'built', c: 'present', g: 'present' });
  });

  it('nx affected after a commit that changes only a common file lists exactly the stages declaring it', () => {
    git(workspace.root, 'add', '-A');
    git(workspace.root, 'commit', '-qm', 'rules: -O3');
    appendFileSync(join(workspace.root, 'common/rules.mk'), 'LDFLAGS = -s\n');
    git(workspace.root, 'commit', '-qam', 'rules: strip');
    const run = workspace.nx(['show', 'projects', '--affected', '-t', 'docker-stage', '--base=HEAD~1', '--head=HEAD'], CLOCK);
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n').sort()).toEqual(['a', 'b']);
  });

  it('--explain names the changed file, and says when the image is present', () => {
    const rebuilt = workspace.nx(['run', 'a:docker-stage', '--explain', '--output-style=static'], FEATURE_ON);
    expect(rebuilt.status).toBe(0);
    expect(rebuilt.stdout + rebuilt.stderr).toContain('a: rebuilding: input file common/rules.mk changed');
    const present = workspace.nx(['run', 'a:docker-stage', '--explain', '--output-style=static'], FEATURE_ON);
    expect(present.stdout + present.stderr).toMatch(/a: image present: .*-a:2026-W47-[0-9a-f]{16}; nothing to rebuild/);
  });

  it('git-commit mode keys a clean tree by its git tree id and falls back to content, saying so, when dirty', () => {
    const plan = (label: string) => {
      const run = workspace.nx(['run', 'g:stage-plan', '--json', '--skip-nx-cache', '--output-style=static'], CLOCK);
      expect(run.status).toBe(0);
      const json = JSON.parse(run.stdout.split('\n').find((line) => line.startsWith('{"stage":'))!);
      return { label, json, output: run.stdout + run.stderr };
    };
    const clean = plan('clean');
    const tree = git(workspace.root, 'rev-parse', 'HEAD:g').trim();
    expect(clean.json.keyDocument.contextTree).toBe(tree);
    expect(clean.json.keyDocument.context).toEqual([]);
    expect(clean.output).not.toContain('fell back');

    writeFileSync(join(workspace.root, 'g/tree.txt'), 'edited, not committed\n');
    const dirty = plan('dirty');
    expect(dirty.output).toContain('g: git-commit hash mode fell back to hashing content: g has 1 uncommitted change');
    expect(dirty.json.keyDocument.contextTree).toBeNull();
    expect(dirty.json.keyDocument.context.map((f: { path: string }) => f.path)).toEqual(['source/tree.txt']);
    expect(dirty.json.tag).not.toBe(clean.json.tag);

    const built = workspace.nx(['run', 'g:docker-stage', '--output-style=static'], CLOCK);
    expect(built.stdout + built.stderr).toContain('g: git-commit hash mode fell back to hashing content');
    expect(summaryStatuses(built.stdout + built.stderr).g).toBe('built');

    git(workspace.root, 'commit', '-qam', 'g: edit');
    const committed = plan('committed');
    expect(committed.json.keyDocument.contextTree).toBe(git(workspace.root, 'rev-parse', 'HEAD:g').trim());
    expect(committed.json.tag).not.toBe(clean.json.tag);
    const fromTree = workspace.nx(['run', 'g:docker-stage', '--output-style=static'], CLOCK);
    expect(summaryStatuses(fromTree.stdout + fromTree.stderr).g).toBe('built');
  });
});
