import type { CreateDependenciesContext, CreateNodesContextV2, CreateNodesResult, ProjectConfiguration } from '@nx/devkit';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { StagecraftOptions } from '../stage/types';
import { createDependencies } from './dependencies';
import { createNodesV2 } from './nodes';

// The on-disk stage cache goes to a temp directory, never to this repository's .nx.
jest.mock('nx/src/utils/cache-directory', () => jest.requireActual('../../testing/temp-data-directory').cacheDirectoryInTemp());
const dataDirectory: string = jest.requireMock('nx/src/utils/cache-directory').workspaceDataDirectory;

const [, createNodesFunction] = createNodesV2;
const OPTIONS: StagecraftOptions = { imageName: 'acme' };
const DOCKERFILE = 'FROM scratch\nCOPY Dockerfile /\n';

type Results = Array<readonly [string, CreateNodesResult]>;
type Failure = { errors: Array<[string | null, Error]>; partialResults: Results };

/** Ordinary monorepos, as createNodes sees them: each layout is a file tree, and what Nx hands the plugin is every file. */
describe('createNodes on ordinary monorepo layouts', () => {
  let root: string;
  let files: string[];
  let warnings: string[];
  let warn: jest.SpyInstance;

  const write = (path: string, content: string | object) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    files.push(path);
  };
  const context = (): CreateNodesContextV2 => ({ nxJsonConfiguration: {}, workspaceRoot: root });

  async function createNodes(options: StagecraftOptions = OPTIONS): Promise<Results> {
    return createNodesFunction([...files].sort(), options, context());
  }
  async function failure(options: StagecraftOptions = OPTIONS): Promise<Failure> {
    const outcome = await createNodes(options).then(
      () => undefined,
      (error: Failure) => error,
    );
    if (!outcome) throw new Error('createNodes succeeded; expected errors');
    return outcome;
  }

  /** Root -> the project node createNodes gives there. */
  function nodesOf(results: Results): Record<string, Partial<ProjectConfiguration>> {
    return Object.fromEntries(results.flatMap(([, result]) => Object.entries(result.projects ?? {})));
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'stagecraft-layouts-'));
    files = [];
    warnings = [];
    warn = jest.spyOn(console, 'warn').mockImplementation((line: string) => void warnings.push(line));
    write('package.json', { name: 'acme', private: true });
  });
  afterEach(() => {
    warn.mockRestore();
    rmSync(root, { recursive: true, force: true });
  });
  afterAll(() => rmSync(dataDirectory, { recursive: true, force: true }));

  describe('the layout of issue 20: two docker directories, a Dockerfile in a project, a vendored module', () => {
    beforeEach(() => {
      write('apps/api/docker/Dockerfile', DOCKERFILE);
      write('apps/web/docker/Dockerfile', DOCKERFILE);
      write('apps/svc/project.json', { name: 'svc', targets: { serve: { command: 'node main.js' } } });
      write('apps/svc/Dockerfile', DOCKERFILE);
      write('vendor/github.com/acme/tool/v2/Dockerfile', DOCKERFILE);
    });

    it('names the two docker directories after their paths and warns once, naming both files and how to choose a name', async () => {
      const nodes = nodesOf(await createNodes());
      expect(nodes['apps/api/docker'].name).toBe('apps-api-docker');
      expect(nodes['apps/web/docker'].name).toBe('apps-web-docker');
      expect(warnings).toEqual([
        expect.stringMatching(/apps\/api\/docker\/Dockerfile and apps\/web\/docker\/Dockerfile would all be stage 'docker'.*'apps-api-docker' and 'apps-web-docker'.*"name" in a stage\.json/),
      ]);
    });

    it("adds the Stagecraft targets to svc's project without naming it, so the project keeps its name", async () => {
      const svc = nodesOf(await createNodes())['apps/svc'];
      expect(svc.name).toBeUndefined();
      expect(svc.projectType).toBeUndefined();
      expect(svc.metadata).not.toHaveProperty('description');
      expect(Object.keys(svc.targets!)).toContain('docker-stage');
      expect(svc.tags).toEqual(['stagecraft', 'stagecraft:dockerfile']);
      expect(svc.targets!['run'].metadata!.description).toContain('nx run svc:run');
    });

    it('makes nothing under vendor/ a stage', async () => {
      expect(Object.keys(nodesOf(await createNodes())).sort()).toEqual(['apps/api/docker', 'apps/svc', 'apps/web/docker']);
    });

    it('gives a stage the same name on every run', async () => {
      expect(nodesOf(await createNodes())).toEqual(nodesOf(await createNodes()));
    });

    it("draws edges by the project's name: a stage FROM svc depends on svc's project", async () => {
      write('deploy/gateway/Dockerfile', 'FROM svc\n');
      const nodes = nodesOf(await createNodes());
      // What Nx makes of the nodes: svc is named by its project.json.
      const projects = Object.fromEntries(
        Object.entries(nodes).map(([projectRoot, node]) => [node.name ?? 'svc', { ...node, root: projectRoot }]),
      ) as Record<string, ProjectConfiguration>;
      const dependencies = await createDependencies(OPTIONS, { projects, workspaceRoot: root, nxJsonConfiguration: {} } as CreateDependenciesContext);
      expect(dependencies).toEqual([{ source: 'gateway', target: 'svc', sourceFile: 'deploy/gateway/Dockerfile', type: 'static' }]);
    });
  });

  it('reads a project.json with comments, as Nx does', async () => {
    write('apps/svc/project.json', '{\n  // the service\n  "name": "svc",\n}\n');
    write('apps/svc/Dockerfile', DOCKERFILE);
    write('deploy/svc/Dockerfile', DOCKERFILE);
    const nodes = nodesOf(await createNodes());
    expect(nodes['apps/svc'].name).toBeUndefined();
    expect(nodes['deploy/svc'].name).toBe('deploy-svc');
  });

  it('names a Dockerfile-only stage after its path when its directory name is another Nx project\'s, with a warning naming that project', async () => {
    write('apps/svc/project.json', { name: 'svc' });
    write('deploy/svc/Dockerfile', DOCKERFILE);
    const nodes = nodesOf(await createNodes());
    expect(nodes['deploy/svc'].name).toBe('deploy-svc');
    expect(warnings).toEqual([expect.stringMatching(/deploy\/svc\/Dockerfile would be stage 'svc', a name apps\/svc\/project\.json already gives; it is stage 'deploy-svc'/)]);
  });

  it('names a directory called after a reserved name after its path', async () => {
    write('tools/timeline/Dockerfile', DOCKERFILE);
    expect(nodesOf(await createNodes())['tools/timeline'].name).toBe('tools-timeline');
    expect(warnings).toEqual([expect.stringMatching(/tools\/timeline\/Dockerfile would be stage 'timeline', a reserved name/)]);
  });

  it('fails a Dockerfile whose path-derived name is taken too, and says how to name it', async () => {
    write('x/docker/Dockerfile', DOCKERFILE);
    write('y/docker/Dockerfile', DOCKERFILE);
    write('images/other/stage.json', { name: 'x-docker', build: { type: 'make' }, from: 'scratch' });
    const { errors, partialResults } = await failure();
    expect(errors.map(([file, error]) => [file, error.message])).toEqual([
      ['x/docker/Dockerfile', expect.stringMatching(/^x\/docker\/Dockerfile: .*stage name 'x-docker', which images\/other\/stage\.json already gives; to choose a stage name, give it as "name" in a stage\.json/)],
    ]);
    expect(Object.keys(nodesOf(partialResults)).sort()).toEqual(['images/other', 'y/docker']);
  });

  it('fails only the two stage.json files that declare the same name; every other stage loads', async () => {
    write('stages/one/stage.json', { name: 'tools', build: { type: 'make' }, from: 'scratch' });
    write('stages/two/stage.json', { name: 'tools', build: { type: 'make' }, from: 'scratch' });
    write('stages/user/stage.json', { depends: ['tools'], build: { type: 'make' }, from: 'scratch' });
    write('stages/other/Dockerfile', DOCKERFILE);
    const { errors, partialResults } = await failure();
    expect(errors.map(([file, error]) => [file, error.message])).toEqual([
      ['stages/one/stage.json', "stages/one/stage.json at /name: stage name 'tools' is also declared by stages/two/stage.json; stage names must be unique"],
      ['stages/two/stage.json', "stages/two/stage.json at /name: stage name 'tools' is also declared by stages/one/stage.json; stage names must be unique"],
    ]);
    expect(Object.keys(nodesOf(partialResults)).sort()).toEqual(['stages/other', 'stages/user']);
  });

  it("fails a stage.json that declares another Nx project's name, and that file alone", async () => {
    write('apps/svc/project.json', { name: 'svc' });
    write('images/svc/stage.json', { name: 'svc', build: { type: 'make' }, from: 'scratch' });
    write('images/base/Dockerfile', DOCKERFILE);
    const { errors, partialResults } = await failure();
    expect(errors.map(([file, error]) => [file, error.message])).toEqual([
      ['images/svc/stage.json', "images/svc/stage.json at /name: stage name 'svc' is the name of the Nx project defined by apps/svc/project.json; give the stage another name"],
    ]);
    expect(Object.keys(nodesOf(partialResults))).toEqual(['images/base']);
  });

  it('fails a stage.json in an existing project that declares a name other than the project\'s', async () => {
    write('apps/svc/project.json', { name: 'svc' });
    write('apps/svc/Dockerfile', DOCKERFILE);
    write('apps/svc/stage.json', { name: 'svc-image' });
    const { errors, partialResults } = await failure();
    expect(errors.map(([file, error]) => [file, error.message])).toEqual([
      ['apps/svc/stage.json', expect.stringMatching(/^apps\/svc\/stage\.json at \/name: apps\/svc is the Nx project 'svc' \(apps\/svc\/project\.json\).*set it to "svc"/)],
    ]);
    expect(partialResults).toEqual([]);
  });

  it('names a stage.json stage in an existing project after the project, and keeps its settings', async () => {
    write('apps/svc/project.json', { name: 'svc' });
    write('apps/svc/Dockerfile', DOCKERFILE);
    write('apps/svc/stage.json', { env: ['TARGET'] });
    const svc = nodesOf(await createNodes())['apps/svc'];
    expect(svc.name).toBeUndefined();
    expect(svc.namedInputs!['stagecraft']).toContainEqual({ env: 'TARGET' });
  });

  describe('package.json projects', () => {
    it('adds the targets to a package of the package manager workspaces, named as the package', async () => {
      write('package.json', { name: 'acme', private: true, workspaces: ['packages/*'] });
      write('packages/web/package.json', { name: 'web' });
      write('packages/web/Dockerfile', DOCKERFILE);
      // Depending on "web" is no error: the package's stage is named "web".
      write('images/edge/stage.json', { depends: ['web'], build: { type: 'make' }, from: 'scratch' });
      const nodes = nodesOf(await createNodes());
      expect(nodes['packages/web'].name).toBeUndefined();
      expect(nodes['packages/web'].targets).toHaveProperty('docker-stage');
      expect(nodes['images/edge'].name).toBe('edge');
    });

    it('reads pnpm-workspace.yaml and a package.json "nx" name', async () => {
      write('pnpm-workspace.yaml', 'packages:\n  - "libs/**"\n  - "!libs/skipped"\n');
      write('libs/a/package.json', { name: 'a-package', nx: { name: 'liba' } });
      write('libs/a/Dockerfile', DOCKERFILE);
      write('libs/skipped/package.json', { name: 'skipped' });
      write('libs/skipped/Dockerfile', DOCKERFILE);
      write('apps/liba/Dockerfile', DOCKERFILE);
      const nodes = nodesOf(await createNodes());
      expect(nodes['libs/a'].name).toBeUndefined();
      expect(nodes['libs/skipped'].name).toBe('skipped');
      expect(nodes['apps/liba'].name).toBe('apps-liba');
    });

    it('leaves a package.json outside the workspaces alone: its Dockerfile is a stage of its own', async () => {
      write('tools/gen/package.json', { name: 'gen' });
      write('tools/gen/Dockerfile', DOCKERFILE);
      expect(nodesOf(await createNodes())['tools/gen'].name).toBe('gen');
    });

    it('leaves a project whose name no image can carry (an npm scope) as it is, with a warning', async () => {
      write('package.json', { name: 'acme', private: true, workspaces: ['packages/*'] });
      write('packages/web/package.json', { name: '@acme/web' });
      write('packages/web/Dockerfile', DOCKERFILE);
      expect(await createNodes()).toEqual([]);
      expect(warnings).toEqual([expect.stringMatching(/packages\/web\/Dockerfile is in the Nx project '@acme\/web' \(packages\/web\/package\.json\), whose name cannot be a stage name.*adds no targets/)]);
    });
  });

  describe('what discovery skips', () => {
    beforeEach(() => {
      write('node_modules/some-lib/Dockerfile', DOCKERFILE);
      write('node_modules/some-lib/stage.json', { build: { type: 'make' } });
      write('third_party/zlib/Dockerfile', DOCKERFILE);
      write('src/parser/testdata/fuzz/Dockerfile', DOCKERFILE);
      write('vendor/tool/Dockerfile', DOCKERFILE);
      write('images/base/Dockerfile', DOCKERFILE);
    });

    it('skips node_modules and the Dockerfiles of vendor/, third_party/ and testdata/ trees', async () => {
      expect(Object.keys(nodesOf(await createNodes()))).toEqual(['images/base']);
    });

    it('still takes a stage.json under them: it is a declaration of the user', async () => {
      write('third_party/zlib/stage.json', { name: 'zlib' });
      expect(Object.keys(nodesOf(await createNodes())).sort()).toEqual(['images/base', 'third_party/zlib']);
    });

    it('skips the directories the skipDirectories option names instead, and node_modules always', async () => {
      const nodes = nodesOf(await createNodes({ ...OPTIONS, skipDirectories: ['vendor'] }));
      expect(Object.keys(nodes).sort()).toEqual(['images/base', 'src/parser/testdata/fuzz', 'third_party/zlib']);
    });
  });

  it('reports a Dockerfile it cannot read as an error for that file alone', async () => {
    write('images/base/Dockerfile', DOCKERFILE);
    mkdirSync(join(root, 'images/loop'), { recursive: true });
    symlinkSync('Dockerfile', join(root, 'images/loop/Dockerfile'));
    files.push('images/loop/Dockerfile');
    const { errors, partialResults } = await failure();
    expect(errors.map(([file, error]) => [file, error.message])).toEqual([['images/loop/Dockerfile', expect.stringMatching(/^images\/loop\/Dockerfile: cannot read the file: ELOOP/)]]);
    expect(Object.keys(nodesOf(partialResults))).toEqual(['images/base']);
  });

  it('reports a broken stage.json in an existing project against that file; the project itself is left to Nx', async () => {
    write('apps/svc/project.json', { name: 'svc' });
    write('apps/svc/stage.json', '{"build": ');
    write('images/base/Dockerfile', DOCKERFILE);
    const { errors, partialResults } = await failure();
    expect(errors.map(([file]) => file)).toEqual(['apps/svc/stage.json']);
    expect(Object.keys(nodesOf(partialResults))).toEqual(['images/base']);
  });
});
