import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildStageGraph } from '../stage/graph';
import { loadStage } from '../stage/load';
import { Planner } from './plan';
import { resolveOptions } from '../stage/plugin-options';

const NOW = new Date('2026-11-21T12:00:00Z');
const OPTIONS = resolveOptions({ imageName: 'mut', defaultBase: 'base' });
const DIRS = ['base', 'lib-a', 'lib-b', 'lib-c', 'app'];

/**
 * base <- lib-a <- lib-b <- app, and base <- lib-c <- app.
 * lib-a is the stage every mutation touches; lib-b and app are its dependents.
 */
function writeWorkspace(root: string): void {
  const write = (path: string, content: string | object) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  };
  write('base/Dockerfile', 'FROM scratch\nCOPY busybox /bin/busybox\n');
  write('base/busybox', 'not really busybox');
  write('common/rules.mk', 'CFLAGS = -O2\n');
  write('.gitignore', '*.log\n');
  write('lib-a/stage.json', {
    build: { type: 'cmake', configFlags: ['-DA=1'], configEnv: ['CFLAGS=-O2'], postDownload: ['true'], steps: ['true'] },
    inputs: ['{workspaceRoot}/common/*.mk'],
    env: ['FEATURE_X'],
  });
  write('lib-a/CMakeLists.txt', 'project(a C)\n');
  write('lib-a/src/a.c', 'int a(void) { return 1; }\n');
  write('lib-b/stage.json', { depends: ['lib-a'], build: { type: 'meson' } });
  write('lib-b/meson.build', "project('b', 'c')\n");
  write('lib-c/stage.json', { build: { type: 'custom', steps: ['make install'] } });
  write('lib-c/Makefile', 'install:\n\ttrue\n');
  write('app/stage.json', { depends: ['lib-b', 'lib-c'], build: { type: 'aggregate' } });
}

async function tagsOf(root: string, env: NodeJS.ProcessEnv = { FEATURE_X: 'on' }, now = NOW, options = OPTIONS) {
  const stages = DIRS.map((dir) => loadStage(root, dir));
  const graph = buildStageGraph(stages, options);
  const planner = new Planner({ workspaceRoot: root, graph, options, now, env });
  const plans = await planner.planAll();
  return Object.fromEntries(plans.map((plan) => [plan.stage.name, plan.tag]));
}

function changedStages(before: Record<string, string>, after: Record<string, string>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => before[name] !== after[name]).sort();
}

function editStageJson(root: string, dir: string, edit: (json: Record<string, any>) => void) {
  const file = join(root, dir, 'stage.json');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  edit(json);
  writeFileSync(file, JSON.stringify(json));
}

const SHA = 'ab'.repeat(32);

const stageFieldMutations: Array<[string, (json: Record<string, any>) => void]> = [
  ['from', (j) => (j.from = 'debian:12')],
  ['depends', (j) => (j.depends = ['lib-c'])],
  ['source', (j) => (j.source = { url: 'http://127.0.0.1/a.tar.gz', sha256: SHA })],
  ['build.type', (j) => (j.build.type = 'meson')],
  ['build.configFlags', (j) => (j.build.configFlags = ['-DA=2'])],
  ['build.configEnv', (j) => (j.build.configEnv = ['CFLAGS=-O3'])],
  ['build.postDownload', (j) => (j.build.postDownload = ['echo patched'])],
  ['build.steps', (j) => (j.build.steps = ['echo more'])],
  ['inputs', (j) => j.inputs.push('CMakeLists.txt')],
  ['env', (j) => j.env.push('FEATURE_Y')],
  ['exports.copy', (j) => (j.exports = { copy: ['/opt/a'] })],
  ['exports.packages', (j) => (j.exports = { packages: ['/out/*.deb'] })],
  ['refresh', (j) => (j.refresh = 'day')],
  ['hashMode', (j) => (j.hashMode = 'git-commit')],
  ['consumePackages', (j) => (j.consumePackages = true)],
  ['network (host)', (j) => (j.network = 'host')],
  ['network (default)', (j) => (j.network = 'default')],
  ['optionalInputs (a glob that matches nothing)', (j) => (j.optionalInputs = ['patches/*.patch'])],
];

const A_AND_DEPENDENTS = ['app', 'lib-a', 'lib-b'];

describe('the refresh warning of a networked stage', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'stagecraft-network-'));
    writeWorkspace(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  async function noticesOf(options = OPTIONS): Promise<string[]> {
    const graph = buildStageGraph(DIRS.map((dir) => loadStage(root, dir)), options);
    return (await new Planner({ workspaceRoot: root, graph, options, now: NOW, env: {} }).plan('lib-a')).notices;
  }

  it('names the stage file and /refresh when the stage says "never"', async () => {
    editStageJson(root, 'lib-a', (j) => Object.assign(j, { network: 'host', refresh: 'never' }));
    expect(await noticesOf()).toEqual([expect.stringMatching(/^warning: lib-a\/stage\.json at \/refresh: "never" on a stage with "network": "host": /)]);
  });

  it('names nx.json defaultRefresh and the stage file when "never" is the workspace default', async () => {
    editStageJson(root, 'lib-a', (j) => (j.network = 'default'));
    const [warning] = await noticesOf(resolveOptions({ ...OPTIONS, defaultRefresh: 'never' }));
    expect(warning).toMatch(/^warning: nx\.json at the @stagecraft\/nx plugin's options\/defaultRefresh: "never" applies to lib-a\/stage\.json, which declares "network": "default"/);
  });

  it('says nothing of a networked stage that refreshes, nor of a "never" stage without network', async () => {
    editStageJson(root, 'lib-a', (j) => (j.network = 'host'));
    expect(await noticesOf()).toEqual([]);
    editStageJson(root, 'lib-a', (j) => Object.assign(j, { network: 'none', refresh: 'never' }));
    expect(await noticesOf()).toEqual([]);
  });
});

describe('stage keys under mutation', () => {
  let root: string;
  let baseline: Record<string, string>;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'stagecraft-mutation-'));
    writeWorkspace(root);
    baseline = await tagsOf(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it.each(stageFieldMutations)('changing %s alters lib-a and exactly its dependents', async (_field, edit) => {
    editStageJson(root, 'lib-a', edit);
    expect(changedStages(baseline, await tagsOf(root))).toEqual(A_AND_DEPENDENTS);
  });

  it('renaming a stage alters it and exactly its dependents', async () => {
    editStageJson(root, 'lib-a', (j) => (j.name = 'lib-renamed'));
    editStageJson(root, 'lib-b', (j) => (j.depends = ['lib-renamed']));
    const after = await tagsOf(root);
    expect(after['lib-renamed']).toBeDefined();
    expect(changedStages(baseline, after)).toEqual(['app', 'lib-a', 'lib-b', 'lib-renamed']);
  });

  const inputMutations: Array<[string, (root: string) => void]> = [
    ['a source file content', (r) => writeFileSync(join(r, 'lib-a/src/a.c'), 'int a(void) { return 2; }\n')],
    ['a new source file', (r) => writeFileSync(join(r, 'lib-a/src/b.c'), 'int b;\n')],
    ['a removed source file', (r) => unlinkSync(join(r, 'lib-a/src/a.c'))],
    ['a source file becoming executable', (r) => chmodSync(join(r, 'lib-a/src/a.c'), 0o755)],
    ['a declared common input file', (r) => writeFileSync(join(r, 'common/rules.mk'), 'CFLAGS = -O3\n')],
    ['a new file matching a declared input glob', (r) => writeFileSync(join(r, 'common/extra.mk'), 'X = 1\n')],
    ['a gitignored file in the build context', (r) => writeFileSync(join(r, 'lib-a/build.log'), 'ignored by git, sent by Docker\n')],
    [
      'a .dockerignore that leaves a source file out of the context',
      (r) => writeFileSync(join(r, 'lib-a/.dockerignore'), 'src/a.c\n'),
    ],
    [
      'a file matching an optional input glob',
      (r) => {
        editStageJson(r, 'lib-a', (j) => (j.optionalInputs = ['{workspaceRoot}/common/*.opt']));
        writeFileSync(join(r, 'common/rules.opt'), 'X = 1\n');
      },
    ],
  ];

  it.each(inputMutations)('changing %s alters lib-a and exactly its dependents', async (_kind, mutate) => {
    mutate(root);
    expect(changedStages(baseline, await tagsOf(root))).toEqual(A_AND_DEPENDENTS);
  });

  it('changing the platform alters every tag', async () => {
    const arm = resolveOptions({ ...OPTIONS, platform: 'linux/arm64' });
    expect(changedStages(baseline, await tagsOf(root, undefined, NOW, arm))).toEqual(DIRS.slice().sort());
  });

  it('a file the .dockerignore leaves out of the context alters no tag', async () => {
    writeFileSync(join(root, 'lib-a/.dockerignore'), 'notes/\n*.tmp\n');
    const withIgnore = await tagsOf(root);
    mkdirSync(join(root, 'lib-a/notes'));
    writeFileSync(join(root, 'lib-a/notes/todo.md'), 'later\n');
    writeFileSync(join(root, 'lib-a/scratch.tmp'), 'x\n');
    expect(changedStages(withIgnore, await tagsOf(root))).toEqual([]);
  });

  it('an optional input glob that matches nothing alters no tag once declared; a required one is an error naming the file and glob', async () => {
    editStageJson(root, 'lib-a', (j) => (j.optionalInputs = ['{workspaceRoot}/common/*.opt']));
    const withOptional = await tagsOf(root);
    expect(await tagsOf(root)).toEqual(withOptional);
    editStageJson(root, 'lib-a', (j) => j.inputs.push('patches/*.patch'));
    await expect(tagsOf(root)).rejects.toThrow(
      `lib-a/stage.json at /inputs/1: the input glob 'patches/*.patch' matches no file; fix it, or move it to "optionalInputs" if it may match nothing`,
    );
  });

  it('changing a declared env value alters lib-a and exactly its dependents', async () => {
    expect(changedStages(baseline, await tagsOf(root, { FEATURE_X: 'off' }))).toEqual(A_AND_DEPENDENTS);
    expect(changedStages(baseline, await tagsOf(root, {}))).toEqual(A_AND_DEPENDENTS);
  });

  it('changing the base Dockerfile alters the base and every stage built on it', async () => {
    writeFileSync(join(root, 'base/Dockerfile'), 'FROM scratch\nCOPY busybox /bin/sh\n');
    expect(changedStages(baseline, await tagsOf(root))).toEqual(DIRS.slice().sort());
  });

  it('an external base re-pushed under the same tag alters no tag until its pin moves; then lib-a and exactly its dependents', async () => {
    const pin = (digest: string) => writeFileSync(join(root, 'lib-a/stage.lock.json'), JSON.stringify({ base: { image: 'debian:12', digest } }));
    editStageJson(root, 'lib-a', (j) => (j.from = 'debian:12'));
    pin(`sha256:${'1'.repeat(64)}`);
    const pinned = await tagsOf(root);
    // The registry now serves other content under debian:12; nothing on disk says so.
    expect(changedStages(pinned, await tagsOf(root))).toEqual([]);
    pin(`sha256:${'2'.repeat(64)}`);
    expect(changedStages(pinned, await tagsOf(root))).toEqual(A_AND_DEPENDENTS);
  });

  it('a local-only base rebuilt under the same tag alters no tag until its image id pin moves; then lib-a and exactly its dependents', async () => {
    const pin = (imageId: string) => writeFileSync(join(root, 'lib-a/stage.lock.json'), JSON.stringify({ base: { image: 'local/tools:1', imageId } }));
    editStageJson(root, 'lib-a', (j) => (j.from = 'local/tools:1'));
    pin(`sha256:${'3'.repeat(64)}`);
    const pinned = await tagsOf(root);
    expect(changedStages(pinned, await tagsOf(root))).toEqual([]);
    pin(`sha256:${'4'.repeat(64)}`);
    expect(changedStages(pinned, await tagsOf(root))).toEqual(A_AND_DEPENDENTS);
  });

  it('changing an independent stage leaves lib-a and lib-b alone', async () => {
    writeFileSync(join(root, 'lib-c/Makefile'), 'install:\n\tfalse\n');
    expect(changedStages(baseline, await tagsOf(root))).toEqual(['app', 'lib-c']);
  });

  it('a new time bucket alters every tag; a later day in the same ISO week alters none', async () => {
    expect(changedStages(baseline, await tagsOf(root, undefined, new Date('2026-11-22T23:00:00Z')))).toEqual([]);
    expect(changedStages(baseline, await tagsOf(root, undefined, new Date('2026-11-23T00:00:01Z')))).toEqual(
      DIRS.slice().sort(),
    );
  });

  it('"network": "none" keeps the tag of a stage that says nothing; host and default give different tags', async () => {
    editStageJson(root, 'lib-a', (j) => (j.network = 'none'));
    expect(changedStages(baseline, await tagsOf(root))).toEqual([]);
    editStageJson(root, 'lib-a', (j) => (j.network = 'host'));
    const host = await tagsOf(root);
    editStageJson(root, 'lib-a', (j) => (j.network = 'default'));
    expect(changedStages(host, await tagsOf(root))).toEqual(A_AND_DEPENDENTS);
  });

  it('proxy variables alter no tag of a networked stage', async () => {
    editStageJson(root, 'lib-a', (j) => (j.network = 'host'));
    const networked = await tagsOf(root);
    const proxies = { HTTP_PROXY: 'http://127.0.0.1:3128', https_proxy: 'http://127.0.0.1:3128', NO_PROXY: 'localhost', ALL_PROXY: 'socks5://127.0.0.1:1080' };
    expect(await tagsOf(root, { FEATURE_X: 'on', ...proxies })).toEqual(networked);
  });

  it('the checkout path and proxy variables alter no tag', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'stagecraft-other-checkout-'));
    try {
      cpSync(root, join(elsewhere, 'deeper', 'checkout'), { recursive: true });
      expect(await tagsOf(join(elsewhere, 'deeper', 'checkout'))).toEqual(baseline);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
    const proxies = { HTTP_PROXY: 'http://127.0.0.1:3128', https_proxy: 'http://127.0.0.1:3128', NO_PROXY: 'localhost' };
    expect(await tagsOf(root, { FEATURE_X: 'on', ...proxies })).toEqual(baseline);
  });

  it('tags are deterministic and well formed', async () => {
    expect(await tagsOf(root)).toEqual(baseline);
    for (const [name, tag] of Object.entries(baseline)) {
      expect(tag).toMatch(new RegExp(`^mut-${name}:2026-W47-[0-9a-f]{16}$`));
    }
  });
});
