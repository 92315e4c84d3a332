import type { CreateDependenciesContext, CreateNodesContextV2, CreateNodesResult, ProjectConfiguration } from '@nx/devkit';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { StagecraftOptions } from '../stage/types';
import { createDependencies } from './dependencies';
import { createNodesV2 } from './nodes';
import fg from 'fast-glob';

// The on-disk stage cache goes to a temp directory, never to this repository's .nx.
jest.mock('nx/src/utils/cache-directory', () => jest.requireActual('../../testing/temp-data-directory').cacheDirectoryInTemp());
const dataDirectory: string = jest.requireMock('nx/src/utils/cache-directory').workspaceDataDirectory;

const [STAGE_FILES_GLOB, createNodesFunction] = createNodesV2;

/**
 * base (Dockerfile) <- zlib (autoconf, exports packages) <- app (aggregate),
 * tool (consumes zlib's packages), web (a Dockerfile that names zlib), and a
 * vendored Dockerfile inside zlib's source that is not a stage.
 */
const FILES: Record<string, string | object> = {
  'stages/base/Dockerfile': 'FROM scratch\nCOPY busybox /bin/busybox\n',
  'stages/zlib/stage.json': {
    source: { url: 'http://127.0.0.1:8000/zlib-1.3.tar.gz', sha256: 'a'.repeat(64) },
    build: { type: 'autoconf', configFlags: ['--static'] },
    inputs: ['{workspaceRoot}/common/rules.mk', 'patches/*.patch'],
    env: ['TARGET_ARCH'],
    exports: { packages: ['/out/*.deb'] },
    refresh: 'day',
  },
  'stages/zlib/source/contrib/fuzz/Dockerfile': 'FROM debian:12\n',
  'stages/tool/stage.json': { depends: ['zlib'], consumePackages: true, build: { type: 'make' }, refresh: 'never' },
  'stages/app/stage.json': { depends: ['zlib', 'tool'], build: { type: 'aggregate' } },
  'stages/web/Dockerfile': 'FROM base\nCOPY --from=zlib /usr/local /usr/local\n',
};

const OPTIONS: StagecraftOptions = { imageName: 'acme', defaultBase: 'base' };

describe('the Nx plugin: createNodes and createDependencies on a file tree', () => {
  let root: string;

  const write = (path: string, content: string | object) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  };
  const context = (): CreateNodesContextV2 => ({ nxJsonConfiguration: {}, workspaceRoot: root });

  async function createNodes(options: StagecraftOptions = OPTIONS) {
    return createNodesFunction(Object.keys(FILES), options, context());
  }

  /** The projects the inferred nodes give, by name, as createDependencies sees them. */
  function projectsOf(results: Array<readonly [string, CreateNodesResult]>): Record<string, ProjectConfiguration> {
    const projects = results.flatMap(([, result]) => Object.values(result.projects ?? {})) as ProjectConfiguration[];
    return Object.fromEntries(projects.map((project) => [project.name!, project]));
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'stagecraft-plugin-'));
    for (const [path, content] of Object.entries(FILES)) write(path, content);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  afterAll(() => rmSync(dataDirectory, { recursive: true, force: true }));

  it('matches every stage.json and Dockerfile, and the project files a stage may join, and nothing else', () => {
    const wanted = ['Dockerfile', 'apps/api/project.json', 'libs/ui/package.json'];
    const unwanted = ['stages/base/Dockerfile.dev', 'stages/zlib/stage.json.bak', 'stages/zlib/stage.lock.json', 'docs/Dockerfile.md'];
    for (const file of [...wanted, ...unwanted]) write(file, '{}');
    const matched = fg.sync(STAGE_FILES_GLOB, { cwd: root, dot: true }).sort();
    const stageFiles = Object.keys(FILES).filter((file) => /(^|\/)(stage\.json|Dockerfile)$/.test(file));
    expect(matched).toEqual([...stageFiles, ...wanted].sort());
  });

  it('infers one project per stage directory, with its targets, inputs and metadata', async () => {
    const results = await createNodes();
    expect(results.map(([file]) => file)).toEqual([
      'stages/app/stage.json',
      'stages/base/Dockerfile',
      'stages/tool/stage.json',
      'stages/web/Dockerfile',
      'stages/zlib/stage.json',
    ]);
    const projects = projectsOf(results);
    expect(Object.fromEntries(Object.values(projects).map((project) => [project.name, project.root]))).toEqual({
      app: 'stages/app',
      base: 'stages/base',
      tool: 'stages/tool',
      web: 'stages/web',
      zlib: 'stages/zlib',
    });
    expect(projects['app'].tags).toEqual(['stagecraft', 'stagecraft:aggregate']);
    expect(projects['zlib'].tags).toEqual(['stagecraft', 'stagecraft:autoconf']);
    // Only a stage that exports packages gets package; only one with a url/git source gets sources.
    const common = ['docker-stage', 'prune', 'run', 'stage-plan', 'tag-check'];
    expect(Object.keys(projects['zlib'].targets!).sort()).toEqual([...common, 'package', 'sources'].sort());
    expect(Object.keys(projects['app'].targets!).sort()).toEqual(common);
    expect(Object.keys(projects['base'].targets!).sort()).toEqual(common);

    const zlib = projects['zlib'].targets!;
    expect(zlib['docker-stage']).toMatchObject({ executor: '@stagecraft/nx:docker-stage', cache: false, dependsOn: ['^docker-stage'] });
    expect(projects['tool'].targets!['docker-stage'].dependsOn).toEqual([
      { target: 'package', projects: ['zlib'] },
      { target: 'docker-stage', projects: ['base'] },
    ]);
    // The key's inputs: the stage's files, its declared inputs (workspace and stage-relative), its env, its refresh bucket.
    const stagecraftInputs = projects['zlib'].namedInputs!['stagecraft'];
    expect(stagecraftInputs).toEqual(
      expect.arrayContaining(['{projectRoot}/**/*', '{projectRoot}/stage.lock.json', '{workspaceRoot}/common/rules.mk', '{workspaceRoot}/stages/zlib/patches/*.patch', { env: 'TARGET_ARCH' }]),
    );
    expect(zlib['stage-plan']).toMatchObject({ executor: '@stagecraft/nx:stage-plan', cache: true });
    expect(zlib['stage-plan'].inputs).toEqual(expect.arrayContaining(['stagecraft', '^stagecraft', { runtime: 'date -u +%F' }]));
    expect(zlib['package']).toMatchObject({
      executor: '@stagecraft/nx:package',
      cache: true,
      outputs: ['{workspaceRoot}/dist/packages/zlib', '{workspaceRoot}/dist/packages/zlib.provenance.json'],
    });
    expect(zlib['tag-check'].inputs).toContain('{workspaceRoot}/stagecraft-tags.yml');
    // refresh: never has no time bucket.
    expect(JSON.stringify(projects['tool'].targets!['stage-plan'].inputs)).not.toContain('date -u');
  });

  it('names the targets after the targetNames option', async () => {
    const targetNames = { dockerStage: 'image', package: 'debs', stagePlan: 'plan', tagCheck: 'check-tag', run: 'shell', prune: 'clean', sources: 'fetch' };
    const projects = projectsOf(await createNodes({ ...OPTIONS, targetNames }));
    expect(Object.keys(projects['zlib'].targets!).sort()).toEqual(['check-tag', 'clean', 'debs', 'fetch', 'image', 'plan', 'shell']);
    expect(projects['tool'].targets!['image'].dependsOn).toEqual([{ target: 'debs', projects: ['zlib'] }, { target: 'image', projects: ['base'] }]);
    expect(projects['app'].targets!['image'].dependsOn).toEqual(['^image']);
    expect(projects['zlib'].targets!['shell'].dependsOn).toEqual(['image']);
    expect(projects['zlib'].targets!['shell'].metadata!.description).toContain('nx run zlib:shell -- <command...>');
  });

  it('gives static edges from depends, from, the default base and Dockerfile references, each with its file', async () => {
    const projects = projectsOf(await createNodes());
    const dependencies = await createDependencies(OPTIONS, {
      projects,
      workspaceRoot: root,
      nxJsonConfiguration: {},
      externalNodes: {},
      fileMap: { projectFileMap: {}, nonProjectFiles: [] },
      filesToProcess: { projectFileMap: {}, nonProjectFiles: [] },
    } as CreateDependenciesContext);
    const sorted = [...dependencies].sort((a, b) => `${a.source}>${a.target}`.localeCompare(`${b.source}>${b.target}`));
    const edges = sorted.map((edge) => `${edge.source} -> ${edge.target} (${edge.type}, ${'sourceFile' in edge ? edge.sourceFile : 'no file'})`);
    expect(edges).toEqual([
      'app -> tool (static, stages/app/stage.json)',
      'app -> zlib (static, stages/app/stage.json)',
      // tool's base is the default base: its edge is tool's own file's.
      'tool -> base (static, stages/tool/stage.json)',
      'tool -> zlib (static, stages/tool/stage.json)',
      'web -> base (static, stages/web/Dockerfile)',
      'web -> zlib (static, stages/web/Dockerfile)',
      'zlib -> base (static, stages/zlib/stage.json)',
    ]);
  });

  it('fails with every problem naming its file, and still gives the stages that loaded', async () => {
    write('stages/tool/stage.json', { depends: ['zlibb'], build: { type: 'make' } });
    write('stages/bad/stage.json', '{"build": {"type": "custom",}}');
    const files = [...Object.keys(FILES), 'stages/bad/stage.json'];
    type Failure = { errors: Array<[string | null, Error]>; partialResults: Array<readonly [string, CreateNodesResult]> };
    const failure = await Promise.resolve()
      .then(() => createNodesFunction(files, OPTIONS, context()))
      .then(
        () => undefined,
        (error: Failure) => error,
      );
    expect(failure).toBeDefined();
    expect(failure!.errors.map(([file, error]) => [file, error.message])).toEqual([
      ['stages/bad/stage.json', expect.stringMatching(/^stages\/bad\/stage\.json.*line 1, column \d+/)],
      ['stages/tool/stage.json', expect.stringMatching(/^stages\/tool\/stage\.json at \/depends\/0: no stage named 'zlibb'.*did you mean 'zlib'/)],
    ]);
    expect(failure!.partialResults.map(([file]) => file)).toContain('stages/zlib/stage.json');
  });

  it('reads an unchanged stage from its on-disk cache, and a changed one again', async () => {
    const first = projectsOf(await createNodes());
    const load = jest.spyOn(require('../stage/load') as typeof import('../stage/load'), 'loadStage');
    try {
      expect(projectsOf(await createNodes())).toEqual(first);
      expect(load).not.toHaveBeenCalled();
      write('stages/zlib/stage.json', { ...(FILES['stages/zlib/stage.json'] as object), refresh: 'month' });
      const again = projectsOf(await createNodes());
      expect(load.mock.calls.map(([, dir]) => dir)).toEqual(['stages/zlib']);
      expect(again['zlib'].targets!['stage-plan'].inputs).toContainEqual({ runtime: 'date -u +%Y-%m' });
    } finally {
      load.mockRestore();
    }
  });
});
