import type { Tree } from '@nx/devkit';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fakeDigest } from '../../../testing/fake-bases';
import { changedFiles, loadAndPlan, stagecraftTree } from '../../../testing/generator-tree';
import { unpinnedBaseRefusal } from '../../bases/unpinned';
import { importDockerfile, importGenerator } from './import';
import { splitDockerfile } from './split-dockerfile';

// Generators pin the external images they write; here no registry is asked. `mockOffline` makes every image unresolvable, as on a machine without Docker Hub.
let mockOffline = false;
jest.mock('../../bases/resolve-base', () => ({
  resolveBase: (image: string) =>
    mockOffline
      ? Promise.reject(new Error(`cannot resolve the external base '${image}': registry registry-1.docker.io is unreachable (ENOTFOUND)`))
      : require('../../../testing/fake-bases').fakeResolveBase(image),
}));

// The import fetches an ADD <url> without --checksum once, for its sha256: here only http://downloads.test answers.
jest.mock('../../sources/download', () => ({
  downloadTo: async (url: string) => {
    if (!url.startsWith('http://downloads.test/')) throw new Error(`getaddrinfo ENOTFOUND ${new URL(url).hostname}`);
    return require('node:crypto').createHash('sha256').update(url).digest('hex');
  },
}));

const CORPUS = join(__dirname, 'corpus');
const BUSYBOX = 'busybox:1.36';

interface CorpusEntry {
  modelledOn: string;
  builds: boolean;
  buildArgs?: string[];
  /** [stage, upstream] for every FROM / COPY --from / RUN --mount=from of another stage. */
  edges: Array<[string, string]>;
  /** The external images each stage names (a stage left out names none). */
  images: Record<string, string[]>;
  /** The stages whose RUN lines download. */
  downloading?: string[];
  /** The URLs each stage's ADD lines fetch. */
  downloads?: Record<string, string[]>;
}

const corpus = JSON.parse(readFileSync(join(CORPUS, 'corpus.json'), 'utf8')) as Record<string, CorpusEntry>;
const placeholders = (text: string) => text.replace(/@DOWNLOADS@/g, 'http://downloads.test').replace(/@BUSYBOX@/g, BUSYBOX).replace(/@BUSYBOX_REPO@/g, 'busybox').replace(/@BUSYBOX_TAG@/g, '1.36');

/** A corpus entry's build context copied into the tree under apps/<name>, with the busybox placeholders replaced. */
function addFixture(tree: Tree, fixture: string, at = `apps/${fixture}`): void {
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(CORPUS, fixture, dir))) {
      const relative = posix.join(dir, entry);
      if (statSync(join(CORPUS, fixture, relative)).isDirectory()) walk(relative);
      else tree.write(posix.join(at, relative), placeholders(readFileSync(join(CORPUS, fixture, relative), 'utf8')));
    }
  };
  walk('');
}

/** The stage directories an import wrote. */
function importedDirs(tree: Tree): string[] {
  return Object.keys(changedFiles(tree))
    .filter((path) => path.endsWith('/stage.json'))
    .map(posix.dirname)
    .sort();
}

/** Each [stage, upstream] pair once, sorted: a stage copying twice from another has one edge to it. */
const sortedPairs = (pairs: Array<[string, string]>) => [...new Set(pairs.map((pair) => pair.join(' -> ')))].sort();

describe('import generator', () => {
  let tree: Tree;
  let stdout: jest.SpyInstance;
  beforeEach(() => {
    tree = stagecraftTree();
    mockOffline = false;
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => stdout.mockRestore());

  describe('the corpus, imported offline with no edits', () => {
    it('holds at least 15 multi-stage Dockerfiles, each described', () => {
      const dirs = readdirSync(CORPUS).filter((entry) => statSync(join(CORPUS, entry)).isDirectory()).sort();
      expect(dirs).toEqual(Object.keys(corpus).sort());
      expect(dirs.length).toBeGreaterThanOrEqual(15);
    });

    it.each(Object.keys(corpus))('%s: the graph has exactly the Dockerfile\'s stage edges, and every external image is written as given and reported unpinned', async (fixture) => {
      mockOffline = true;
      const entry = corpus[fixture];
      addFixture(tree, fixture);
      const report = await importDockerfile(tree, { dockerfile: `apps/${fixture}/Dockerfile`, buildArg: entry.buildArgs });
      const { graph, plans } = await loadAndPlan(tree, importedDirs(tree));

      expect(sortedPairs(graph.edges.map((edge) => [edge.source, edge.target]))).toEqual(sortedPairs(entry.edges));
      for (const name of graph.order) {
        const expected = (entry.images[name] ?? []).map(placeholders).sort();
        expect({ name, images: graph.externalImagesOf(name).map((use) => use.image).sort() }).toEqual({ name, images: expected });
      }
      const everyImage = [...new Set(Object.values(entry.images).flat().map(placeholders))].sort();
      expect(report.unpinned.map((unpinned) => unpinned.image).sort()).toEqual(everyImage);
      expect(report.downloading.map((download) => download.stage).sort()).toEqual([...(entry.downloading ?? [])].sort());
      const networked = graph.order.filter((name) => graph.stages.get(name)!.network !== undefined);
      expect(networked.sort()).toEqual([...(entry.downloading ?? [])].sort());
      for (const name of networked) expect(graph.stages.get(name)!.network).toBe('default');
      for (const name of graph.order) {
        const downloads = graph.stages.get(name)!.build.downloads ?? [];
        expect({ name, urls: downloads.map((download) => download.url) }).toEqual({ name, urls: (entry.downloads?.[name] ?? []).map(placeholders) });
        for (const download of downloads) {
          expect(download.sha256).toMatch(/^[0-9a-f]{64}$/);
          expect(graph.stages.get(name)!.dockerfile).toMatch(new RegExp(`^COPY --chmod=\\d+ ${download.path.replace(/\./g, '\\.')} `, 'm'));
        }
      }
      // Nothing was pinned, so no build of a stage with an external image may start.
      for (const plan of plans) expect({ stage: plan.stage.name, refused: unpinnedBaseRefusal(plan) !== undefined }).toEqual({ stage: plan.stage.name, refused: plan.externalImages.length > 0 });
      expect(tree.exists(`apps/${fixture}/Dockerfile`)).toBe(false);
    });

    it('imports every corpus Dockerfile into one workspace, with no name colliding, and the whole graph loads and plans', async () => {
      mockOffline = true;
      for (const [fixture, entry] of Object.entries(corpus)) {
        addFixture(tree, fixture);
        await importGenerator(tree, { dockerfile: `apps/${fixture}/Dockerfile`, buildArg: entry.buildArgs });
      }
      const { graph, plans } = await loadAndPlan(tree, importedDirs(tree));
      const stageCount = Object.values(corpus).reduce((sum, entry) => sum + new Set(entry.edges.flat()).size, 0);
      expect(plans.length).toBeGreaterThanOrEqual(stageCount);
      expect(sortedPairs(graph.edges.map((edge) => [edge.source, edge.target]))).toEqual(sortedPairs(Object.values(corpus).flatMap((entry) => entry.edges)));
      // Intermediate stages named builder, build or base in several files coexist as <name>-<alias>.
      expect(graph.stages.has('builder-runtime-builder') && graph.stages.has('node-nextjs-builder') && graph.stages.has('rust-cargo-chef-builder')).toBe(true);
    });
  });

  it('reports what it left unpinned and what downloads, with the command that pins them', async () => {
    mockOffline = true;
    addFixture(tree, 'go-distroless');
    await importGenerator(tree, { dockerfile: 'apps/go-distroless/Dockerfile', buildArg: ['GO_VERSION=1.22'] });
    const output = stdout.mock.calls.map(([text]) => String(text)).join('');
    expect(output).toContain('imported apps/go-distroless/Dockerfile as 2 stage(s): go-distroless-build, go-distroless');
    expect(output).toContain('  golang:1.22-alpine (go-distroless-build)');
    expect(output).toContain('  docker/dockerfile:1 (go-distroless-build, go-distroless)');
    expect(output).toContain("nx g @stagecraft/nx:lock --include='^(go-distroless-build|go-distroless)$'");
    expect(output).toContain('  go-distroless-build (apps/go-distroless/Dockerfile:8: go)');
    const files = changedFiles(tree);
    expect(files['apps/go-distroless/go-distroless-build/Dockerfile']).toMatch(/^# syntax=docker\/dockerfile:1\nARG GO_VERSION\n/);
    expect(files['apps/go-distroless/go-distroless-build/Dockerfile']).toContain('FROM --platform=$BUILDPLATFORM golang:1.22-alpine\n');
    expect(JSON.parse(files['apps/go-distroless/go-distroless-build/stage.json']!).build).toEqual({ type: 'dockerfile', context: '..', args: ['GO_VERSION=1.22'] });
    expect(files['apps/go-distroless/go-distroless-build/stage.lock.json']).toBeUndefined();
  });

  it('pins every external image kind in stage.lock.json when its registry answers, and keeps the Dockerfile as written', async () => {
    addFixture(tree, 'go-xx-cross');
    await importGenerator(tree, { dockerfile: 'apps/go-xx-cross/Dockerfile' });
    const files = changedFiles(tree);
    expect(JSON.parse(files['apps/go-xx-cross/go-xx-cross/stage.lock.json']!)).toEqual({
      images: ['alpine:3.20', 'docker/buildx-bin:0.14', 'docker/dockerfile:1.7'].map((image) => ({ image, digest: fakeDigest(image) })),
    });
    expect(files['apps/go-xx-cross/go-xx-cross/Dockerfile']).toContain('COPY --from=docker/buildx-bin:0.14 /buildx');
    const { plans } = await loadAndPlan(tree, importedDirs(tree));
    const release = plans.find((plan) => plan.stage.name === 'go-xx-cross')!;
    expect(release.keyDocument.images).toEqual({
      'alpine:3.20': fakeDigest('alpine:3.20'),
      'docker/buildx-bin:0.14': fakeDigest('docker/buildx-bin:0.14'),
      'docker/dockerfile:1.7': fakeDigest('docker/dockerfile:1.7'),
    });
    expect(unpinnedBaseRefusal(release)).toBeUndefined();
    expect(release.dockerfile).toMatch(/^# syntax=docker\/dockerfile@sha256:[0-9a-f]{64}\n/);
    expect(release.dockerfile).toContain(`COPY --from=docker/buildx-bin@${fakeDigest('docker/buildx-bin:0.14')} /buildx`);
    expect(release.dockerfile).toMatch(/COPY --from=\S*go-xx-cross-binaries:\S+ \/tool/);
  });

  it('keys a stage that binds the whole context by every context file, and keeps comments with their stage', async () => {
    mockOffline = true;
    addFixture(tree, 'bind-cache');
    await importGenerator(tree, { dockerfile: 'apps/bind-cache/Dockerfile' });
    const { plans } = await loadAndPlan(tree, importedDirs(tree));
    const context = Object.fromEntries(plans.map((plan) => [plan.stage.name, plan.keyDocument.context.map((file) => file.path)]));
    expect(context['bind-cache-build']).toEqual(['cmd/10-version.sh', 'cmd/20-main.sh', 'go.mod']);
    expect(context['bind-cache-base']).toEqual([]);
    const files = changedFiles(tree);
    expect(files['apps/bind-cache/bind-cache/Dockerfile']).not.toContain('go build');
    expect(files['apps/bind-cache/bind-cache-build/Dockerfile']).toContain('# the binary\'s version check, as CI runs it\nRUN /out/${APP} --version');
    expect(files['apps/bind-cache/bind-cache-base/Dockerfile']).not.toContain('"go mod download"');
  });

  it('takes --name, --directory and --context', async () => {
    addFixture(tree, 'index-reference', 'docker');
    tree.rename('docker/Dockerfile', 'docker/web.Dockerfile');
    await importGenerator(tree, { dockerfile: 'docker/web.Dockerfile', name: 'web', directory: 'stages/web', context: 'docker' });
    const files = changedFiles(tree);
    expect(Object.keys(files).filter((path) => path.startsWith('stages/') && !path.endsWith('.lock.json')).sort()).toEqual([
      'stages/web/web-0/Dockerfile',
      'stages/web/web-0/stage.json',
      'stages/web/web/Dockerfile',
      'stages/web/web/stage.json',
    ]);
    expect(JSON.parse(files['stages/web/web/stage.json']!).build).toEqual({ type: 'dockerfile', context: '../../../docker' });
    expect(files['stages/web/web/Dockerfile']).toContain('COPY --from=web-0 /go/src/github.com/alexellis/href-counter/app ./');
    expect(tree.exists('docker/web.Dockerfile')).toBe(true);
  });

  it('never removes a directory it did not create: a directory that held only the Dockerfile stays', async () => {
    tree.write('legacy/Dockerfile', `FROM ${BUSYBOX} AS build\nRUN echo hi > /hi\nFROM ${BUSYBOX}\nCOPY --from=build /hi /hi\n`);
    await importGenerator(tree, { dockerfile: 'legacy/Dockerfile', name: 'legacy', directory: 'stages/legacy' });
    expect(tree.exists('legacy/Dockerfile')).toBe(false);
    expect(tree.exists('legacy/.gitkeep')).toBe(true);
    const { plans } = await loadAndPlan(tree, ['stages/legacy/legacy', 'stages/legacy/legacy-build']);
    expect(plans.map((plan) => plan.stage.build.context)).toEqual(['../../../legacy', '../../../legacy']);
  });

  it('keeps a comment at the end of a stage with that stage, and the comments right above a FROM with the next', () => {
    const text = ['FROM busybox:1 AS one', 'RUN true', '# the end of one', '', '# two: the second stage', 'FROM busybox:1', 'COPY --from=one /a /a', ''].join('\n');
    const [one, two] = splitDockerfile(text, { file: 'Dockerfile', name: 'app' });
    expect(one.dockerfile).toBe('FROM busybox:1\nRUN true\n# the end of one\n');
    expect(two.dockerfile).toBe('# two: the second stage\nFROM busybox:1\nCOPY --from=app-one /a /a\n');
  });

  describe('ARG like BuildKit', () => {
    it('expands nested defaults in order, takes the platform arguments from the workspace platform, and --build-arg over a default', () => {
      const text = ['ARG UBUNTU=22.04', 'ARG BASE=ubuntu:${UBUNTU}', 'FROM ${BASE} AS base', 'FROM base AS build-amd64', 'FROM base AS build-arm64', 'FROM build-${TARGETARCH}', ''].join('\n');
      const split = (options: { buildArgs?: Record<string, string>; platform?: string }) => splitDockerfile(text, { file: 'Dockerfile', name: 'app', ...options });
      const amd = split({ platform: 'linux/amd64' });
      expect(amd[0].externalImages.map((image) => image.image)).toEqual(['ubuntu:22.04']);
      expect(amd[3].upstream).toEqual(['app-build-amd64']);
      expect(amd[3].args).toEqual({});
      const arm = split({ platform: 'linux/arm64', buildArgs: { UBUNTU: '24.04' } });
      expect(arm[0].externalImages.map((image) => image.image)).toEqual(['ubuntu:24.04']);
      expect(arm[0].dockerfile).toContain('FROM ubuntu:24.04\n');
      expect(arm[0].args).toEqual({ UBUNTU: '24.04' });
      expect(arm[3].upstream).toEqual(['app-build-arm64']);
      expect(arm[3].dockerfile).toContain('FROM app-build-arm64\n');
    });

    it('records the --build-arg values a stage declares in its stage.json, and refuses a malformed one', async () => {
      addFixture(tree, 'targetos');
      await importGenerator(tree, { dockerfile: 'apps/targetos/Dockerfile', buildArg: ['VERSION=2.1.0', 'UNUSED=1'] });
      const files = changedFiles(tree);
      expect(JSON.parse(files['apps/targetos/targetos-build/stage.json']!).build.args).toEqual(['VERSION=2.1.0']);
      await expect(importGenerator(stagecraftTree(), { dockerfile: 'x', buildArg: ['no-equals'] })).rejects.toThrow();
      const other = stagecraftTree();
      other.write('a/Dockerfile', `FROM ${BUSYBOX}\n`);
      await expect(importGenerator(other, { dockerfile: 'a/Dockerfile', buildArg: ['1X=2'] })).rejects.toThrow("--build-arg: '1X=2' is not NAME=VALUE");
    });
  });

  describe('refusals write nothing and name every line', () => {
    const refused: Array<[string, string, RegExp]> = [
      ['an ARG with no value in FROM', 'ARG BASE\nFROM $BASE\n', /Dockerfile:2: FROM \$BASE\n {4}\$BASE names \$BASE, which has no value; give it a default, or its value with --build-arg BASE=<value>/],
      ['a secret mount', 'FROM busybox:1\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\n', /Dockerfile:2: RUN --mount=type=secret[^\n]*\n {4}RUN --mount=type=secret gives the step a secret/],
      ['an ssh mount', 'FROM busybox:1\nRUN --mount=type=ssh git clone git@example.org:a/b\n', /RUN --mount=type=ssh gives the step a forwarded SSH agent/],
      ['ONBUILD COPY from the context', 'FROM busybox:1\nONBUILD COPY . /app\n', /Dockerfile:2: ONBUILD COPY \. \/app\n {4}ONBUILD COPY from the build context runs in the builds of the stages based on this one/],
      ['an instruction before the first FROM', 'ENV A=1\nFROM busybox:1\n', /only ARG may come before the first FROM/],
      ['an alias that is no valid stage name', 'FROM busybox:1 AS Build_Env.\nFROM busybox:1\n', /stage 0 \(AS build_env\.\) gives no valid stage name \('app-build_env\.'\)/],
    ];
    it.each(refused)('refuses %s', async (_what, dockerfile, message) => {
      tree.write('apps/app/Dockerfile', dockerfile);
      const before = changedFiles(tree);
      await expect(importGenerator(tree, { dockerfile: 'apps/app/Dockerfile' })).rejects.toThrow(message);
      expect(changedFiles(tree)).toEqual(before);
    });

    it('refuses an ADD <url> it cannot fetch and that gives no checksum, saying how to add it by hand, and an ADD of a git repository', async () => {
      tree.write('apps/app/Dockerfile', 'FROM busybox:1\nADD https://example.org/tool.tgz /opt/\n');
      const before = changedFiles(tree);
      const refused = importGenerator(tree, { dockerfile: 'apps/app/Dockerfile' });
      await expect(refused).rejects.toThrow(/Dockerfile:2: ADD https:\/\/example\.org\/tool\.tgz\n {4}ADD of a URL becomes a download checked by its sha256, and https:\/\/example\.org\/tool\.tgz could not be fetched now \(getaddrinfo ENOTFOUND example\.org\); give its checksum \(ADD --checksum=sha256:<64 hexadecimal digits>/);
      expect(changedFiles(tree)).toEqual(before);
      tree.write('apps/app/Dockerfile', 'FROM busybox:1\nADD https://github.com/moby/buildkit.git#v0.12.0 /src\n');
      await expect(importGenerator(tree, { dockerfile: 'apps/app/Dockerfile' })).rejects.toThrow(/ADD of a git repository clones it at build time/);
    });

    it('keeps an ADD --checksum URL offline, as a download with that sha256, and the ADD flags on the COPY', async () => {
      const sha256 = 'b'.repeat(64);
      tree.write('apps/app/Dockerfile', `FROM busybox:1\nADD --checksum=sha256:${sha256} --chown=10:10 https://example.org/dl/tini /usr/bin/\n`);
      await importGenerator(tree, { dockerfile: 'apps/app/Dockerfile' });
      const files = changedFiles(tree);
      expect(JSON.parse(files['apps/app/app/stage.json']!).build.downloads).toEqual([{ url: 'https://example.org/dl/tini', sha256, path: '.stagecraft/downloads/0-0/tini' }]);
      expect(files['apps/app/app/Dockerfile']).toBe('FROM busybox:1\nCOPY --chown=10:10 --chmod=600 .stagecraft/downloads/0-0/tini /usr/bin/\n');
    });

    it('refuses names that exist, and a missing Dockerfile', async () => {
      tree.write('builder-runtime-builder/stage.json', '{ "build": { "type": "custom" } }\n');
      addFixture(tree, 'builder-runtime');
      const before = changedFiles(tree);
      await expect(importGenerator(tree, { dockerfile: 'apps/builder-runtime/Dockerfile' })).rejects.toThrow(
        /a stage named 'builder-runtime-builder' already exists \(builder-runtime-builder\/stage\.json\)/,
      );
      await expect(importGenerator(tree, { dockerfile: 'apps/nothing/Dockerfile' })).rejects.toThrow(/is not a file of this workspace/);
      expect(changedFiles(tree)).toEqual(before);
    });
  });
});
