import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { StageError, StageErrors } from './errors';
import { loadStage } from './load';
import type { Stage } from './types';

let workspaceRoot: string;

beforeEach(() => {
  workspaceRoot = mkdtempSync(join(tmpdir(), 'stagecraft-load-'));
});

afterEach(() => {
  rmSync(workspaceRoot, { recursive: true, force: true });
});

function writeStage(dir: string, files: { stageJson?: unknown; dockerfile?: string; raw?: string }): void {
  mkdirSync(join(workspaceRoot, dir), { recursive: true });
  if (files.raw !== undefined) writeFileSync(join(workspaceRoot, dir, 'stage.json'), files.raw);
  if (files.stageJson !== undefined) {
    writeFileSync(join(workspaceRoot, dir, 'stage.json'), JSON.stringify(files.stageJson, null, 2));
  }
  if (files.dockerfile !== undefined) writeFileSync(join(workspaceRoot, dir, 'Dockerfile'), files.dockerfile);
}

function loadError(dir: string): StageError {
  try {
    loadStage(workspaceRoot, dir);
  } catch (error) {
    expect(error).toBeInstanceOf(StageError);
    return error as StageError;
  }
  throw new Error(`expected loading ${dir} to fail`);
}

describe('loadStage', () => {
  it('loads a minimal stage.json with every default applied', () => {
    writeStage('stages/zlib', { stageJson: { build: { type: 'cmake' } } });
    const expected: Stage = {
      name: 'zlib',
      root: 'stages/zlib',
      stageFile: 'stages/zlib/stage.json',
      depends: [],
      build: { type: 'cmake' },
      inputs: [],
      env: [],
      exports: { copy: [], packages: [] },
      hashMode: 'content',
      consumePackages: false,
    };
    expect(loadStage(workspaceRoot, 'stages/zlib')).toStrictEqual(expected);
  });

  it('loads a full stage.json', () => {
    const sha256 = 'f'.repeat(64);
    writeStage('stages/OpenSSL', {
      stageJson: {
        $schema: '../../node_modules/@stagecraft/nx/schemas/stage.json',
        name: 'openssl',
        from: 'base',
        depends: ['zlib'],
        source: { url: 'https://example.org/openssl.tar.gz', sha256 },
        build: { type: 'autoconf', configFlags: ['--prefix=/usr/local'], configEnv: ['CC=gcc'], postDownload: ['./config'], steps: ['make test'] },
        inputs: ['patches/*.patch', '{workspaceRoot}/scripts/env.sh'],
        env: ['CC'],
        exports: { copy: ['/usr/local/lib'], packages: ['/out/*.deb'] },
        refresh: 'month',
        hashMode: 'git-commit',
        network: 'host',
        consumePackages: true,
      },
    });
    const expected: Stage = {
      name: 'openssl',
      root: 'stages/OpenSSL',
      stageFile: 'stages/OpenSSL/stage.json',
      from: 'base',
      depends: ['zlib'],
      source: { url: 'https://example.org/openssl.tar.gz', sha256 },
      build: { type: 'autoconf', configFlags: ['--prefix=/usr/local'], configEnv: ['CC=gcc'], postDownload: ['./config'], steps: ['make test'] },
      inputs: ['patches/*.patch', '{workspaceRoot}/scripts/env.sh'],
      env: ['CC'],
      exports: { copy: ['/usr/local/lib'], packages: ['/out/*.deb'] },
      refresh: 'month',
      hashMode: 'git-commit',
      consumePackages: true,
      network: 'host',
    };
    expect(loadStage(workspaceRoot, 'stages/OpenSSL')).toStrictEqual(expected);
  });

  it('loads a directory with only a Dockerfile as a dockerfile stage named after the directory', () => {
    const dockerfile = 'FROM base\nRUN true\n';
    writeStage('images/Tools_Image', { dockerfile });
    expect(loadStage(workspaceRoot, 'images/Tools_Image')).toStrictEqual({
      name: 'tools_image',
      root: 'images/Tools_Image',
      dockerfilePath: 'images/Tools_Image/Dockerfile',
      dockerfile,
      depends: [],
      build: { type: 'dockerfile' },
      inputs: [],
      env: [],
      exports: { copy: [], packages: [] },
      hashMode: 'content',
      consumePackages: false,
    } satisfies Stage);
  });

  it('adds stage.json settings to a Dockerfile stage', () => {
    writeStage('images/ci', { dockerfile: 'FROM scratch\n', stageJson: { name: 'ci-image', refresh: 'never', env: ['HTTP_PROXY'] } });
    const stage = loadStage(workspaceRoot, 'images/ci');
    expect(stage).toMatchObject({
      name: 'ci-image',
      stageFile: 'images/ci/stage.json',
      dockerfilePath: 'images/ci/Dockerfile',
      dockerfile: 'FROM scratch\n',
      build: { type: 'dockerfile' },
      refresh: 'never',
      env: ['HTTP_PROXY'],
    });
  });

  it('gives a Dockerfile stage the network its stage.json declares', () => {
    writeStage('images/tools', { dockerfile: 'FROM base\nRUN apt-get update\n', stageJson: { network: 'default' } });
    expect(loadStage(workspaceRoot, 'images/tools').network).toBe('default');
  });

  it('leaves network out of a stage that declares "none", so it loads as one that says nothing', () => {
    writeStage('stages/quiet', { stageJson: { build: { type: 'make' }, network: 'none' } });
    writeStage('stages/silent', { stageJson: { build: { type: 'make' } } });
    const { name: _quiet, root: _q, stageFile: _qf, ...quiet } = loadStage(workspaceRoot, 'stages/quiet');
    const { name: _silent, root: _s, stageFile: _sf, ...silent } = loadStage(workspaceRoot, 'stages/silent');
    expect(quiet).toStrictEqual(silent);
    expect('network' in quiet).toBe(false);
  });

  it('accepts build type dockerfile stated explicitly next to a Dockerfile', () => {
    writeStage('images/ci', { dockerfile: 'FROM scratch\n', stageJson: { build: { type: 'dockerfile' } } });
    expect(loadStage(workspaceRoot, 'images/ci').build).toEqual({ type: 'dockerfile' });
  });

  it('rejects another build type next to a Dockerfile', () => {
    writeStage('images/ci', { dockerfile: 'FROM scratch\n', stageJson: { build: { type: 'cmake' } } });
    const error = loadError('images/ci');
    expect(error.file).toBe('images/ci/stage.json');
    expect(error.pointer).toBe('/build/type');
    expect(error.problem).toContain('a directory with a Dockerfile is a dockerfile stage');
  });

  it('requires build when there is no Dockerfile', () => {
    writeStage('stages/x', { stageJson: { name: 'x' } });
    const error = loadError('stages/x');
    expect(error.file).toBe('stages/x/stage.json');
    expect(error.pointer).toBe('/build');
    expect(error.problem).toContain('a stage without a Dockerfile needs "build"');
  });

  it('rejects build type dockerfile when there is no Dockerfile', () => {
    writeStage('stages/x', { stageJson: { build: { type: 'dockerfile' } } });
    const error = loadError('stages/x');
    expect(error.pointer).toBe('/build/type');
    expect(error.problem).toBe("build type 'dockerfile' needs a Dockerfile in stages/x");
  });

  it('reports every problem of a stage at once', () => {
    writeStage('stages/x', { stageJson: { depends: ['x'], build: { type: 'dockerfile' } } });
    let error: unknown;
    try {
      loadStage(workspaceRoot, 'stages/x');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StageErrors);
    expect((error as StageErrors).errors.map((e) => e.pointer)).toEqual(['/depends/0', '/build/type']);
  });

  it('rejects a directory with neither file', () => {
    mkdirSync(join(workspaceRoot, 'stages/empty'), { recursive: true });
    writeFileSync(join(workspaceRoot, 'stages/empty/README.md'), 'nothing');
    const error = loadError('stages/empty');
    expect(error.file).toBe('stages/empty');
    expect(error.problem).toContain('needs a stage.json or a Dockerfile');
  });

  it('does not take a directory named Dockerfile for a Dockerfile', () => {
    writeStage('stages/x', { stageJson: { build: { type: 'make' } } });
    mkdirSync(join(workspaceRoot, 'stages/x/Dockerfile'));
    expect(loadStage(workspaceRoot, 'stages/x').build.type).toBe('make');
  });

  it('derives the name from the directory when stage.json gives none', () => {
    writeStage('stages/My Lib++', { stageJson: { build: { type: 'make' } } });
    expect(loadStage(workspaceRoot, 'stages/My Lib++').name).toBe('my-lib');
  });

  it('reports a directory that gives no valid name, naming the directory', () => {
    writeStage('stages/+++', { stageJson: { build: { type: 'make' } } });
    const error = loadError('stages/+++');
    expect(error.file).toBe('stages/+++/stage.json');
    expect(error.pointer).toBe('/name');
    expect(error.problem).toContain("the directory name '+++' (stages/+++) gives no valid stage name");
  });

  it('reports a Dockerfile-only directory that gives no valid name against the Dockerfile', () => {
    writeStage('images/日本', { dockerfile: 'FROM scratch\n' });
    const error = loadError('images/日本');
    expect(error.file).toBe('images/日本/Dockerfile');
    expect(error.problem).toContain('set "name" in images/日本/stage.json');
  });

  it('uses a valid name from stage.json even when the directory gives none', () => {
    writeStage('stages/+++', { stageJson: { name: 'plus', build: { type: 'make' } } });
    expect(loadStage(workspaceRoot, 'stages/+++').name).toBe('plus');
  });

  it('reports malformed JSON with the file, line and column', () => {
    writeStage('stages/bad', { raw: '{\n  "name": "bad",\n  "build": { "type": "make" },,\n}\n' });
    const error = loadError('stages/bad');
    expect(error.file).toBe('stages/bad/stage.json');
    expect(error.message).toMatch(/^stages\/bad\/stage\.json: invalid JSON at line 3, column 31: /);
  });

  it('takes a build context directory for a dockerfile stage, inside the workspace only', () => {
    writeStage('apps/web/builder', { stageJson: { build: { type: 'dockerfile', context: '..' } }, dockerfile: 'FROM x:1\n' });
    expect(loadStage(workspaceRoot, 'apps/web/builder').build).toEqual({ type: 'dockerfile', context: '..' });
    writeStage('apps/out', { stageJson: { build: { type: 'dockerfile', context: '../../..' } }, dockerfile: 'FROM x:1\n' });
    expect(loadError('apps/out').message).toBe(
      "apps/out/stage.json at /build/context: '../../..' leads outside the workspace (..); the context must be inside it",
    );
    writeStage('apps/make', { stageJson: { build: { type: 'make', context: '..' } } });
    expect(loadError('apps/make').message).toBe(
      'apps/make/stage.json at /build/context: a build context directory is for dockerfile stages (a Dockerfile in apps/make)',
    );
  });

  it('reports schema errors with the workspace-relative file', () => {
    writeStage('stages/bad', { stageJson: { build: { type: 'make', flags: [] } } });
    const error = loadError('stages/bad');
    expect(error.message).toBe(
      "stages/bad/stage.json at /build/flags: unknown field 'flags'; expected one of: type, configFlags, configEnv, postDownload, steps, context, downloads, args",
    );
  });

  it('rejects a stage that depends on itself or is based on itself', () => {
    writeStage('stages/a', { stageJson: { depends: ['b', 'a'], build: { type: 'make' } } });
    expect(loadError('stages/a').pointer).toBe('/depends/1');
    writeStage('stages/c', { stageJson: { from: 'c', build: { type: 'make' } } });
    expect(loadError('stages/c').pointer).toBe('/from');
  });

  it('normalizes the directory and rejects the workspace root and paths outside it', () => {
    writeStage('stages/zlib', { stageJson: { build: { type: 'make' } } });
    expect(loadStage(workspaceRoot, 'stages/zlib/').root).toBe('stages/zlib');
    expect(loadStage(workspaceRoot, './stages//zlib').stageFile).toBe('stages/zlib/stage.json');
    for (const dir of ['.', '', '..', '../x', '/abs/stage']) {
      expect(loadError(dir).problem).toContain('must be a subdirectory of the workspace root');
    }
  });

  it('returns copies, so that changing a stage does not change another load', () => {
    writeStage('stages/zlib', { stageJson: { depends: ['base'], build: { type: 'make', steps: ['x'] } } });
    const first = loadStage(workspaceRoot, 'stages/zlib');
    first.depends.push('other');
    first.build.steps!.push('y');
    const second = loadStage(workspaceRoot, 'stages/zlib');
    expect(second.depends).toEqual(['base']);
    expect(second.build.steps).toEqual(['x']);
  });
});
