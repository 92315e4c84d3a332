import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StageError } from '../stage/errors';
import { renderDockerfile, type RenderInput, type UpstreamImage } from './render';
import type { BuildSpec, Stage } from '../stage/types';

function stageOf(build: BuildSpec, extra: Partial<Stage> = {}): Stage {
  return {
    name: 'demo',
    root: 'stages/demo',
    stageFile: 'stages/demo/stage.json',
    depends: [],
    build,
    inputs: [],
    env: [],
    exports: { copy: [], packages: [] },
    hashMode: 'content',
    consumePackages: false,
    ...extra,
  };
}

function render(build: BuildSpec, input: Partial<RenderInput> = {}, extra: Partial<Stage> = {}) {
  return renderDockerfile({ stage: stageOf(build, extra), prefix: '/usr/local', base: 'img-base:1', upstream: [], ...input });
}

/** The argv of the RUN line that carries the build script. */
function lastRunArgv(dockerfile: string): unknown {
  const runs = dockerfile.split('\n').filter((line) => line.startsWith('RUN '));
  return JSON.parse(runs[runs.length - 1].slice('RUN '.length));
}

/** The build script of the RUN line, after the `cd` into the stage's source directory that every script starts with. */
function scriptOf(dockerfile: string): string {
  const argv = lastRunArgv(dockerfile) as string[];
  expect(argv.slice(0, 2)).toEqual(['/bin/sh', '-ec']);
  const cd = /^cd '\/usr\/src\/[^']+' && /.exec(argv[2]);
  expect(cd).not.toBeNull();
  return argv[2].slice(cd![0].length);
}

const TWO_UPSTREAMS: UpstreamImage[] = [
  { name: 'zlib', image: 'reg/img-zlib:2026-W01-2222', copy: ['/usr/local'], rev: 'v1.3' },
  { name: 'boost', image: 'reg/img-boost:2026-W01-1111', copy: ['/usr/local/include', '/usr/local/lib'] },
];

describe('renderDockerfile for the build types', () => {
  it('declares ARG JOBS only when the script uses it, and starts every script in the source directory', () => {
    const custom = render({ type: 'custom', steps: ['make install'] }).dockerfile;
    expect(custom).not.toContain('ARG JOBS');
    expect(custom).not.toContain('WORKDIR');
    expect(lastRunArgv(custom)).toEqual(['/bin/sh', '-ec', "cd '/usr/src/demo' && make install"]);
    expect(render({ type: 'custom', steps: ['make -j"$JOBS" install'] }).dockerfile).toContain('ARG JOBS=1');
  });

  it('autoconf: bootstrap when needed, configure with quoted env and flags, make with $JOBS', () => {
    const { dockerfile, files } = render(
      { type: 'autoconf', configFlags: ['--enable-foo', 'CFLAGS=-O2 -g'], configEnv: ['CC=gcc'], postDownload: ['patch -p1 < fix.patch'] },
      { upstream: TWO_UPSTREAMS },
    );
    expect(dockerfile).toBe(
      [
        'FROM img-base:1',
        'ARG JOBS=1',
        'COPY --from=reg/img-boost:2026-W01-1111 /usr/local/include /usr/local/include',
        'COPY --from=reg/img-boost:2026-W01-1111 /usr/local/lib /usr/local/lib',
        'COPY --from=reg/img-zlib:2026-W01-2222 /usr/local /usr/local',
        'COPY source/ /usr/src/demo/',
        String.raw`RUN ["/bin/sh","-ec","cd '/usr/src/demo' && patch -p1 < fix.patch && if [ ! -e ./configure ]; then if [ -e ./bootstrap.sh ]; then ./bootstrap.sh; else autoreconf -fi; fi; fi && env CC='gcc' ./configure --prefix='/usr/local' '--enable-foo' 'CFLAGS=-O2 -g' && make -j\"$JOBS\" && make install"]`,
        '',
      ].join('\n'),
    );
    expect(files).toEqual({});
  });

  it('cmake: configure, build and install through builddir', () => {
    const { dockerfile } = render({ type: 'cmake', configFlags: ['-DBUILD_TESTING=OFF'], steps: ['ldconfig'] });
    expect(scriptOf(dockerfile)).toBe(
      "cmake -S . -B builddir -DCMAKE_INSTALL_PREFIX='/usr/local' '-DBUILD_TESTING=OFF' && " +
        'cmake --build builddir -j "$JOBS" && cmake --install builddir && ldconfig',
    );
    expect(dockerfile.split('\n').slice(0, 3)).toEqual(['FROM img-base:1', 'ARG JOBS=1', 'COPY source/ /usr/src/demo/']);
  });

  it('meson: setup, ninja with $JOBS, ninja install', () => {
    const { dockerfile } = render({ type: 'meson', configFlags: ['-Dtests=false'], configEnv: ['CXXFLAGS=-O1'] }, { prefix: '/opt/x' });
    expect(scriptOf(dockerfile)).toBe(
      "env CXXFLAGS='-O1' meson setup builddir --prefix='/opt/x' '-Dtests=false' && " +
        'ninja -C builddir -j "$JOBS" && ninja -C builddir install',
    );
  });

  it('make: PREFIX on both the build and the install', () => {
    const { dockerfile } = render({ type: 'make' });
    expect(scriptOf(dockerfile)).toBe(`make -j"$JOBS" PREFIX='/usr/local' && make install PREFIX='/usr/local'`);
  });

  it('make: configEnv and configFlags go to both make invocations', () => {
    const { dockerfile } = render({ type: 'make', configEnv: ['V=1'], configFlags: ['CC=clang'] });
    expect(scriptOf(dockerfile)).toBe(
      `env V='1' make -j"$JOBS" PREFIX='/usr/local' 'CC=clang' && env V='1' make install PREFIX='/usr/local' 'CC=clang'`,
    );
  });

  it('custom: postDownload then the steps, each once', () => {
    const { dockerfile } = render({ type: 'custom', postDownload: ['./autogen.sh'], steps: ['./build.sh', 'cp out /usr/local/bin/'] });
    expect(scriptOf(dockerfile)).toBe('./autogen.sh && ./build.sh && cp out /usr/local/bin/');
  });

  it('custom without steps is a StageError at /build/steps', () => {
    for (const steps of [undefined, []]) {
      expect(() => render({ type: 'custom', steps })).toThrow(StageError);
      try {
        render({ type: 'custom', steps });
      } catch (error) {
        expect(error).toMatchObject({ file: 'stages/demo/stage.json', pointer: '/build/steps' });
      }
    }
  });

  it('defaults an empty copy list to the prefix', () => {
    const { dockerfile } = render({ type: 'make' }, { prefix: '/opt/p', upstream: [{ name: 'a', image: 'img-a:1', copy: [] }] });
    expect(dockerfile).toContain('\nCOPY --from=img-a:1 /opt/p /opt/p\n');
  });

  it('is deterministic: upstream order does not matter and the bytes repeat', () => {
    const build: BuildSpec = { type: 'cmake', configFlags: ['-DX=1'] };
    const first = render(build, { upstream: TWO_UPSTREAMS });
    const second = render(build, { upstream: [...TWO_UPSTREAMS].reverse() });
    expect(second).toEqual(first);
  });

  it('uses the key placeholders the planner passes as images', () => {
    const { dockerfile } = render({ type: 'make' }, { base: '<stage:base>', upstream: [{ name: 'a', image: '<stage:a>', copy: ['/usr/local'] }] });
    expect(dockerfile.split('\n').slice(0, 3)).toEqual(['FROM <stage:base>', 'ARG JOBS=1', 'COPY --from=<stage:a> /usr/local /usr/local']);
  });
});

describe('renderDockerfile for package-consuming stages', () => {
  it('copies the packages directory and installs debs and tarballs by explicit, sorted name', () => {
    const { dockerfile } = render(
      { type: 'make' },
      {
        upstream: [
          { name: 'zz', image: 'img-zz:1', copy: [], packageFiles: ['zz_1.0_amd64.deb', 'zz-data.tar.xz'] },
          { name: 'aa', image: 'img-aa:1', copy: [], packageFiles: ['b.deb', 'a.deb', 'notes.txt'] },
          { name: 'none', image: 'img-none:1', copy: [] },
        ],
      },
      { consumePackages: true },
    );
    expect(dockerfile).toBe(
      [
        'FROM img-base:1',
        'ARG JOBS=1',
        'COPY packages/ /tmp/stagecraft-packages/',
        String.raw`RUN ["/bin/sh","-ec","dpkg -i '/tmp/stagecraft-packages/aa/a.deb' '/tmp/stagecraft-packages/aa/b.deb' '/tmp/stagecraft-packages/zz/zz_1.0_amd64.deb' && mkdir -p '/usr/local' && tar -C '/usr/local' -xJf '/tmp/stagecraft-packages/zz/zz-data.tar.xz'"]`,
        'COPY source/ /usr/src/demo/',
        String.raw`RUN ["/bin/sh","-ec","cd '/usr/src/demo' && make -j\"$JOBS\" PREFIX='/usr/local' && make install PREFIX='/usr/local'"]`,
        '',
      ].join('\n'),
    );
    expect(dockerfile).not.toContain('--from=');
  });

  it('copies packages but runs no install when none is a deb or a tarball', () => {
    const { dockerfile } = render({ type: 'make' }, { upstream: [{ name: 'a', image: 'i:1', copy: [], packageFiles: ['x.rpm'] }] }, { consumePackages: true });
    expect(dockerfile.split('\n').slice(2, 4)).toEqual(['COPY packages/ /tmp/stagecraft-packages/', 'COPY source/ /usr/src/demo/']);
  });

  it('has no packages lines when the upstreams have no package files', () => {
    const { dockerfile } = render({ type: 'make' }, { upstream: [{ name: 'a', image: 'i:1', copy: [] }] }, { consumePackages: true });
    expect(dockerfile).not.toContain('packages');
    expect(dockerfile).not.toContain('--from=');
  });

  it('rejects package file names that are paths', () => {
    expect(() =>
      render({ type: 'make' }, { upstream: [{ name: 'a', image: 'i:1', copy: [], packageFiles: ['../x.deb'] }] }, { consumePackages: true }),
    ).toThrow(/plain file name/);
  });
});

describe('renderDockerfile for aggregate stages', () => {
  it('copies every upstream in name order and writes the manifest and depcache', () => {
    const { dockerfile, files } = render({ type: 'aggregate' }, { base: 'scratch', upstream: TWO_UPSTREAMS });
    expect(dockerfile).toBe(
      [
        'FROM scratch',
        'COPY --from=reg/img-boost:2026-W01-1111 /usr/local/include /usr/local/include',
        'COPY --from=reg/img-boost:2026-W01-1111 /usr/local/lib /usr/local/lib',
        'COPY --from=reg/img-zlib:2026-W01-2222 /usr/local /usr/local',
        'COPY stagecraft/ /usr/share/stagecraft/',
        'COPY stagecraft/depcache /tmp/depcache',
        '',
      ].join('\n'),
    );
    expect(files['stagecraft/depcache']).toBe('boost:,zlib:v1.3,');
    expect(JSON.parse(files['stagecraft/manifest.json'])).toEqual([
      { stage: 'boost', rev: '', image: 'reg/img-boost:2026-W01-1111' },
      { stage: 'zlib', rev: 'v1.3', image: 'reg/img-zlib:2026-W01-2222' },
    ]);
    expect(files['stagecraft/manifest.json'].endsWith('}\n]\n')).toBe(true);
    expect(Object.keys(files).sort()).toEqual(['stagecraft/depcache', 'stagecraft/manifest.json']);
  });

  it('renders an aggregate of nothing', () => {
    const { dockerfile, files } = render({ type: 'aggregate' });
    expect(dockerfile).toBe('FROM img-base:1\nCOPY stagecraft/ /usr/share/stagecraft/\nCOPY stagecraft/depcache /tmp/depcache\n');
    expect(files).toEqual({ 'stagecraft/manifest.json': '[]\n', 'stagecraft/depcache': '' });
  });

  it('refuses commands and package consumption, which an aggregate cannot honour', () => {
    expect(() => render({ type: 'aggregate', steps: ['true'] })).toThrow(/runs no commands/);
    expect(() => render({ type: 'aggregate' }, {}, { consumePackages: true })).toThrow(/cannot consume packages/);
  });
});

describe('renderDockerfile for dockerfile stages', () => {
  const dockerfileStage = (dockerfile: string | undefined) => ({ dockerfile, dockerfilePath: 'stages/demo/Dockerfile', stageFile: undefined, from: 'ignored' });
  const upstream: UpstreamImage[] = [
    { name: 'base', image: 'reg/img-base:2026-W01-aaaa', copy: [] },
    { name: 'tools', image: 'reg/img-tools:2026-W01-bbbb', copy: [] },
  ];

  it('rewrites upstream stage refs to their images and leaves the rest byte for byte', () => {
    const text = [
      'FROM base',
      'FROM tools AS builder',
      'RUN make',
      'FROM external:tag',
      'COPY --from=builder /out /out',
      'COPY --from=tools /usr/local /usr/local',
      'COPY --from=unknown-stage /x /x',
      '',
    ].join('\r\n');
    const { dockerfile, files } = render({ type: 'dockerfile' }, { upstream, base: 'should-not-appear:1' }, dockerfileStage(text));
    expect(dockerfile).toBe(
      [
        'FROM reg/img-base:2026-W01-aaaa',
        'FROM reg/img-tools:2026-W01-bbbb AS builder',
        'RUN make',
        'FROM external:tag',
        'COPY --from=builder /out /out',
        'COPY --from=reg/img-tools:2026-W01-bbbb /usr/local /usr/local',
        'COPY --from=unknown-stage /x /x',
        '',
      ].join('\r\n'),
    );
    expect(files).toEqual({});
  });

  it('is a StageError when the stage has no Dockerfile text', () => {
    expect(() => render({ type: 'dockerfile' }, {}, dockerfileStage(undefined))).toThrow(StageError);
  });
});

describe('renderDockerfile input checks', () => {
  it('rejects a prefix, copy path or image that could break a Dockerfile line', () => {
    expect(() => render({ type: 'make' }, { prefix: '/usr/local\nRUN x' })).toThrow(/install prefix/);
    expect(() => render({ type: 'make' }, { prefix: 'relative' })).toThrow(/install prefix/);
    expect(() => render({ type: 'make' }, { upstream: [{ name: 'a', image: 'i:1', copy: ['/a b'] }] })).toThrow(/exported path/);
    expect(() => render({ type: 'make' }, { upstream: [{ name: 'a', image: 'i:1', copy: ['/a/../../etc'] }] })).toThrow(/exported path/);
    expect(() => render({ type: 'make' }, { upstream: [{ name: 'a', image: 'i:1', copy: ['/$HOME'] }] })).toThrow(/exported path/);
    expect(() => render({ type: 'make' }, { upstream: [{ name: 'a', image: 'i:1\nRUN x', copy: [] }] })).toThrow(/image/);
    expect(() => render({ type: 'make' }, { base: 'a b' })).toThrow(/base image/);
  });

  it('reports bad configEnv, NUL characters and blank commands as StageErrors with their pointer', () => {
    const pointerOf = (build: BuildSpec) => {
      try {
        render(build);
      } catch (error) {
        expect(error).toBeInstanceOf(StageError);
        return (error as StageError).pointer;
      }
      throw new Error('expected a StageError');
    };
    expect(pointerOf({ type: 'autoconf', configEnv: ['OK=1', 'NO_EQUALS'] })).toBe('/build/configEnv/1');
    expect(pointerOf({ type: 'autoconf', configEnv: ['$(id)=1'] })).toBe('/build/configEnv/0');
    expect(pointerOf({ type: 'autoconf', configFlags: ['a\0b'] })).toBe('/build/configFlags/0');
    expect(pointerOf({ type: 'custom', steps: ['true', '  '] })).toBe('/build/steps/1');
    expect(pointerOf({ type: 'make', postDownload: [''] })).toBe('/build/postDownload/0');
  });
});

describe('renderDockerfile keeps hostile values inert', () => {
  const MARK = '@MARKER@';
  const HOSTILE: Array<[string, string]> = [
    ['newline', `x\nRUN touch ${MARK}\ntouch ${MARK}`],
    ['carriage return', `x\rRUN touch ${MARK}\r touch ${MARK}`],
    ['single quote', `x'; touch ${MARK}; '`],
    ['double quote', `x"; touch ${MARK}; "`],
    ['backslash', `x\\\\\nRUN touch ${MARK} \\`],
    ['command substitution', `$(touch ${MARK})`],
    ['backticks', `\`touch ${MARK}\``],
    ['command separator', '; rm -rf /'],
  ];

  const KNOWN_INSTRUCTION = /^(FROM|ARG|COPY|WORKDIR|RUN) \S/;

  /** Every line is one whole instruction of the expected kinds: no continuation, no stray line. */
  function expectInstructions(dockerfile: string, expected: string[]): void {
    expect(dockerfile).not.toMatch(/[\r\u2028\u2029]/);
    expect(dockerfile.endsWith('\n')).toBe(true);
    const lines = dockerfile.slice(0, -1).split('\n');
    for (const line of lines) {
      expect(line).toMatch(KNOWN_INSTRUCTION);
      expect(line).not.toMatch(/\\\s*$/);
    }
    expect(lines.map((line) => line.split(' ')[0])).toEqual(expected);
  }

  let sandbox: string;
  let marker: string;
  beforeEach(() => {
    sandbox = mkdtempSync(join(tmpdir(), 'stagecraft-render-'));
    marker = join(tmpdir(), `stagecraft-pwned-${randomBytes(8).toString('hex')}`);
  });
  afterEach(() => {
    rmSync(sandbox, { recursive: true, force: true });
    rmSync(marker, { force: true });
  });

  const withMarker = (value: string) => value.split(MARK).join(marker);

  /**
   * Runs a rendered script in a sandbox whose PATH holds only recording fakes of
   * the build tools, the real touch and env, and a fake rm. Each call of a fake
   * writes the arguments it got (NUL-separated) and $HOSTILE to numbered files;
   * the returned function reads back the calls of one tool, in order.
   */
  function runScript(script: string): (tool: string) => Array<{ args: string[]; env: string }> {
    const bin = join(sandbox, 'bin');
    const work = join(sandbox, 'work');
    const record = join(sandbox, 'record');
    for (const dir of [bin, work, record]) mkdirSync(dir);
    const recorder = [
      '#!/bin/sh',
      'n=1; while [ -e "$RECORD/${0##*/}.$n.args" ]; do n=$((n + 1)); done',
      'printf \'%s\\0\' "$@" > "$RECORD/${0##*/}.$n.args"',
      'printf \'%s\' "$HOSTILE" > "$RECORD/${0##*/}.$n.env"',
      '',
    ].join('\n');
    for (const tool of ['cmake', 'meson', 'ninja', 'make']) writeExecutable(join(bin, tool), recorder);
    writeExecutable(join(work, 'configure'), recorder);
    writeExecutable(join(bin, 'rm'), '#!/bin/sh\n: > "$MARKER"\n');
    for (const tool of ['env', 'touch']) symlinkSync(realTool(tool), join(bin, tool));

    execFileSync('/bin/sh', ['-ec', script], { cwd: work, env: { PATH: bin, JOBS: '3', RECORD: record, MARKER: marker }, stdio: 'pipe' });
    return (tool) => {
      const calls: Array<{ args: string[]; env: string }> = [];
      for (let n = 1; existsSync(join(record, `${tool}.${n}.args`)); n++) {
        const args = readFileSync(join(record, `${tool}.${n}.args`), 'utf8').split('\0').slice(0, -1);
        calls.push({ args, env: readFileSync(join(record, `${tool}.${n}.env`), 'utf8') });
      }
      return calls;
    };
  }

  describe.each(HOSTILE)('%s', (_label, template) => {
    it('in a configFlag and a configEnv value reaches configure as one exact argument and value, and runs nothing', () => {
      const value = withMarker(template);
      const build: BuildSpec = { type: 'autoconf', configFlags: ['--first', value, '--last'], configEnv: [`HOSTILE=${value}`] };
      const { dockerfile } = render(build);
      expectInstructions(dockerfile, ['FROM', 'ARG', 'COPY', 'RUN']);

      const recorded = runScript(scriptOf(dockerfile));
      expect(recorded('configure')).toEqual([{ args: ['--prefix=/usr/local', '--first', value, '--last'], env: value }]);
      expect(recorded('make').map((call) => call.args)).toEqual([['-j3'], ['install']]);
      expect(existsSync(marker)).toBe(false);
    });

    it.each([
      ['cmake', ['-S', '.', '-B', 'builddir', '-DCMAKE_INSTALL_PREFIX=/usr/local']],
      ['meson', ['setup', 'builddir', '--prefix=/usr/local']],
    ] as const)('in a %s configFlag and configEnv value stays one exact argument and value', (type, leading) => {
      const value = withMarker(template);
      const { dockerfile } = render({ type, configFlags: [value], configEnv: [`HOSTILE=${value}`] });
      expectInstructions(dockerfile, ['FROM', 'ARG', 'COPY', 'RUN']);

      const recorded = runScript(scriptOf(dockerfile));
      expect(recorded(type)[0]).toEqual({ args: [...leading, value], env: value });
      const buildCalls = type === 'cmake' ? recorded('cmake').slice(1) : recorded('ninja');
      expect(buildCalls.map((call) => call.args)).toEqual(
        type === 'cmake'
          ? [['--build', 'builddir', '-j', '3'], ['--install', 'builddir']]
          : [['-C', 'builddir', '-j', '3'], ['-C', 'builddir', 'install']],
      );
      expect(existsSync(marker)).toBe(false);
    });

    it('in a make configFlag stays one exact argument', () => {
      const value = withMarker(template);
      const { dockerfile } = render({ type: 'make', configFlags: [value], configEnv: [`HOSTILE=${value}`] });
      expectInstructions(dockerfile, ['FROM', 'ARG', 'COPY', 'RUN']);

      const recorded = runScript(scriptOf(dockerfile));
      expect(recorded('make')).toEqual([
        { args: ['-j3', 'PREFIX=/usr/local', value], env: value },
        { args: ['install', 'PREFIX=/usr/local', value], env: value },
      ]);
      expect(existsSync(marker)).toBe(false);
    });

    it('in a step or postDownload command stays inside the one RUN instruction, verbatim', () => {
      const value = withMarker(template);
      const { dockerfile } = render(
        { type: 'custom', postDownload: [value], steps: ['echo start', value] },
        { upstream: [{ name: 'up', image: 'img-up:1', copy: [] }] },
      );
      expectInstructions(dockerfile, ['FROM', 'COPY', 'COPY', 'RUN']);
      expect(scriptOf(dockerfile)).toBe(`${value} && echo start && ${value}`);
    });
  });
});

function writeExecutable(path: string, content: string): void {
  writeFileSync(path, content);
  chmodSync(path, 0o755);
}

function realTool(name: string): string {
  for (const dir of ['/usr/bin', '/bin']) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(`${name} not found in /usr/bin or /bin`);
}
