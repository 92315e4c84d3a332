import type { CreateDependenciesContext, CreateNodesContextV2, CreateNodesResult, ProjectConfiguration } from '@nx/devkit';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { StagecraftOptions } from '../stage/types';
import { createDependencies } from './dependencies';
import { createNodesV2 } from './nodes';

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

  it('matches every stage.json and Dockerfile', () => {
    expect(STAGE_FILES_GLOB).toBe('**/{stage.json,Dockerfile,project.json,package.json}');
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
    expect(results).toMatchSnapshot();
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
    expect(sorted).toMatchSnapshot();
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
