import type { Tree } from '@nx/devkit';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fakeDigest } from '../../../testing/fake-bases';
import { changedFiles, loadAndPlan, stagecraftTree } from '../../../testing/generator-tree';
import { importGenerator } from './import';

// Generators pin the external bases they write; here no registry is asked.
jest.mock('../../bases/resolve-base', () => ({ resolveBase: (image: string) => require('../../../testing/fake-bases').fakeResolveBase(image) }));

const FIXTURES = join(__dirname, '..', '..', '..', 'testing', 'dockerfiles');

/** A fixture's build context copied into the tree under apps/<name>, with the busybox placeholder replaced. */
function addFixture(tree: Tree, fixture: string, at = `apps/${fixture}`): void {
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(FIXTURES, fixture, dir))) {
      const relative = posix.join(dir, entry);
      if (statSync(join(FIXTURES, fixture, relative)).isDirectory()) walk(relative);
      else tree.write(posix.join(at, relative), readFileSync(join(FIXTURES, fixture, relative), 'utf8').replace(/@BUSYBOX@/g, 'busybox:1.36'));
    }
  };
  walk('');
}

describe('import generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = stagecraftTree();
  });

  it.each(['builder-runtime', 'index-reference', 'arg-before-from', 'diamond-tests'])(
    'splits %s into stage projects that load and plan, replacing the Dockerfile',
    async (fixture) => {
      addFixture(tree, fixture);
      await importGenerator(tree, { dockerfile: `apps/${fixture}/Dockerfile` });
      const files = changedFiles(tree);
      const written = Object.fromEntries(Object.entries(files).filter(([path]) => path.endsWith('/stage.json') || path.endsWith('/Dockerfile')));
      expect(written).toMatchSnapshot();
      const dirs = Object.keys(written).filter((path) => path.endsWith('/stage.json')).map(posix.dirname);
      const { plans } = await loadAndPlan(tree, dirs);
      expect(plans.map((plan) => plan.stage.name)).toContain(fixture);
    },
  );

  it('keys each stage by exactly the files its COPY instructions read', async () => {
    addFixture(tree, 'diamond-tests');
    await importGenerator(tree, { dockerfile: 'apps/diamond-tests/Dockerfile' });
    const dirs = ['base', 'deps', 'build', 'test', 'diamond-tests'].map((name) => `apps/diamond-tests/${name}`);
    const keyed = async () =>
      Object.fromEntries((await loadAndPlan(tree, dirs)).plans.map((plan) => [plan.stage.name, plan.keyDocument.context.map((f) => f.path)]));
    const context = await keyed();
    expect(context['deps']).toEqual(['deps.lock']);
    expect(context['base']).toEqual([]);
    expect(context['build']).toEqual(['.dockerignore', 'deps.lock', 'src/extra.sh', 'src/main.sh', 'tests/run.sh']);
    const tags = async () => Object.fromEntries((await loadAndPlan(tree, dirs)).plans.map((plan) => [plan.stage.name, plan.tag]));
    const before = await tags();
    tree.write('apps/diamond-tests/deps.lock', 'alpha 1.1\n');
    const after = await tags();
    const moved = Object.keys(before).filter((name) => before[name] !== after[name]).sort();
    expect(moved).toEqual(['deps', 'diamond-tests', 'build', 'test'].sort());
    tree.write('apps/diamond-tests/docs/guide.md', 'ignored by .dockerignore\n');
    expect(await tags()).toEqual(after);
  });

  it('takes --name, --directory and --context', async () => {
    addFixture(tree, 'index-reference', 'docker');
    tree.rename('docker/Dockerfile', 'docker/web.Dockerfile');
    await importGenerator(tree, { dockerfile: 'docker/web.Dockerfile', name: 'web', directory: 'stages/web', context: 'docker' });
    const files = changedFiles(tree);
    expect(Object.keys(files).filter((path) => path.startsWith('stages/')).sort()).toEqual([
      'stages/web/web-0/Dockerfile',
      'stages/web/web-0/stage.json',
      'stages/web/web/Dockerfile',
      'stages/web/web/stage.json',
    ]);
    expect(JSON.parse(files['stages/web/web/stage.json']!).build).toEqual({ type: 'dockerfile', context: '../../../docker' });
    expect(files['stages/web/web/Dockerfile']).toContain('COPY --from=web-0 /go/src/github.com/alexellis/href-counter/app ./');
    expect(tree.exists('docker/web.Dockerfile')).toBe(true);
  });

  it('pins each external FROM by digest as it writes it; a local-only image keeps its name; scratch needs nothing', async () => {
    tree.write('apps/app/Dockerfile', 'FROM busybox:1 AS build\nFROM local/tools:2 AS tools\nFROM scratch\nCOPY --from=build /bin/busybox /busybox\n');
    await importGenerator(tree, { dockerfile: 'apps/app/Dockerfile' });
    const files = changedFiles(tree);
    expect(files['apps/app/build/Dockerfile']).toBe(`FROM busybox:1@${fakeDigest('busybox:1')}\n`);
    expect(files['apps/app/tools/Dockerfile']).toBe('FROM local/tools:2\n');
    expect(files['apps/app/app/Dockerfile']).toMatch(/^FROM scratch\n/);
  });

  it('refuses a base that cannot be resolved, naming it, and writes nothing', async () => {
    tree.write('apps/app/Dockerfile', 'FROM busybox:1 AS build\nFROM missing:1\nCOPY --from=build /bin/busybox /busybox\n');
    const before = changedFiles(tree);
    await expect(importGenerator(tree, { dockerfile: 'apps/app/Dockerfile' })).rejects.toThrow(/nothing was written: cannot resolve the external base 'missing:1'/);
    expect(changedFiles(tree)).toEqual(before);
  });

  describe('refusals write nothing and name every line', () => {
    const refused: Array<[string, string, RegExp]> = [
      ['COPY --from an external image', 'FROM busybox:1\nCOPY --from=nginx:latest /etc/nginx/nginx.conf /nginx.conf\n', /Dockerfile:2: COPY --from=nginx:latest .*\n    COPY --from=nginx:latest copies from an external image/],
      ['an ARG-computed stage name', 'ARG FLAVOUR=build\nFROM busybox:1 AS build\nFROM ${FLAVOUR} AS out\nCOPY --from=${FLAVOUR} /a /a\n', /Dockerfile:3: FROM \$\{FLAVOUR\} AS out\n    the stage \$\{FLAVOUR\} is computed from a build argument[^]*Dockerfile:4: COPY/],
      ['a parser directive that needs a pull', '# syntax=docker/dockerfile:1\nFROM busybox:1\n', /Dockerfile:1: # syntax=docker\/dockerfile:1\n    this parser directive makes BuildKit pull the frontend image/],
      ['an ARG with no default in FROM', 'ARG BASE\nFROM $BASE\n', /the base names \$BASE with no default/],
      ['ADD of a URL', 'FROM busybox:1\nADD https://example.org/a.tgz /a\n', /ADD of a URL downloads at build time/],
      ['RUN --mount from another image', 'FROM busybox:1\nRUN --mount=type=bind,from=tools,target=/t ls /t\n', /RUN --mount=from= reads another image/],
      ['an instruction before the first FROM', 'ENV A=1\nFROM busybox:1\n', /only ARG may come before the first FROM/],
      ['an alias that is no valid stage name', 'FROM busybox:1 AS Build_Env.\nFROM busybox:1\n', /stage 0 \(AS build_env\.\) gives no valid stage name/],
    ];
    it.each(refused)('refuses %s', async (_what, dockerfile, message) => {
      tree.write('apps/app/Dockerfile', dockerfile);
      const before = changedFiles(tree);
      await expect(importGenerator(tree, { dockerfile: 'apps/app/Dockerfile' })).rejects.toThrow(message);
      expect(changedFiles(tree)).toEqual(before);
    });

    it('refuses names that exist, and a missing Dockerfile', async () => {
      tree.write('builder/stage.json', '{ "build": { "type": "custom" } }\n');
      addFixture(tree, 'builder-runtime');
      const before = changedFiles(tree);
      await expect(importGenerator(tree, { dockerfile: 'apps/builder-runtime/Dockerfile' })).rejects.toThrow(
        /a stage named 'builder' already exists \(builder\/stage\.json\)/,
      );
      await expect(importGenerator(tree, { dockerfile: 'apps/nothing/Dockerfile' })).rejects.toThrow(/is not a file of this workspace/);
      expect(changedFiles(tree)).toEqual(before);
    });
  });
});
