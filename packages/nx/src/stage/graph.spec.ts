import { buildStageGraph } from './graph';
import { StageErrors } from './errors';
import { resolveOptions } from './plugin-options';
import type { Stage } from './types';

function stage(name: string, fields: Partial<Stage> = {}): Stage {
  return {
    name,
    root: `stages/${name}`,
    stageFile: `stages/${name}/stage.json`,
    depends: [],
    build: { type: 'custom', steps: ['true'] },
    inputs: [],
    env: [],
    exports: { copy: [], packages: [] },
    hashMode: 'content',
    consumePackages: false,
    ...fields,
  };
}

function dockerfileStage(name: string, dockerfile: string): Stage {
  return stage(name, {
    stageFile: undefined,
    dockerfilePath: `stages/${name}/Dockerfile`,
    dockerfile,
    build: { type: 'dockerfile' },
  });
}

const options = resolveOptions({ defaultBase: 'base' });

function errorsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StageErrors);
    return (error as StageErrors).errors.map((e) => e.message);
  }
  throw new Error('expected StageErrors');
}

describe('buildStageGraph', () => {
  const base = dockerfileStage('base', 'FROM scratch\n');

  it('gives edges from depends, from, the default base and Dockerfile references, each with its file', () => {
    const graph = buildStageGraph(
      [
        base,
        stage('a'),
        stage('b', { depends: ['a'] }),
        stage('c', { from: 'a' }),
        dockerfileStage('d', 'FROM base AS build\nCOPY --from=b /usr/local /usr/local\nFROM build\n'),
      ],
      options,
    );
    expect(graph.edges).toEqual(
      expect.arrayContaining([
        { source: 'a', target: 'base', file: 'stages/a/stage.json', pointer: '/from (defaultBase)' },
        { source: 'b', target: 'a', file: 'stages/b/stage.json', pointer: '/depends/0' },
        { source: 'c', target: 'a', file: 'stages/c/stage.json', pointer: '/from' },
        { source: 'd', target: 'base', file: 'stages/d/Dockerfile', pointer: 'line 1' },
        { source: 'd', target: 'b', file: 'stages/d/Dockerfile', pointer: 'line 2' },
      ]),
    );
    expect(graph.upstreamOf('b')).toEqual(['a', 'base']);
    expect(graph.baseOf('c')).toEqual({ stage: 'a' });
    expect(graph.order.indexOf('a')).toBeLessThan(graph.order.indexOf('b'));
    expect(graph.order.indexOf('b')).toBeLessThan(graph.order.indexOf('d'));
  });

  it('treats a from with a tag or digest as an external image', () => {
    const graph = buildStageGraph([stage('a', { from: 'debian:12' })], resolveOptions({}));
    expect(graph.baseOf('a')).toEqual({ image: 'debian:12' });
    expect(graph.edges).toEqual([]);
  });

  it('refuses a reserved stage name, naming its file', () => {
    const messages = errorsOf(() => buildStageGraph([base, stage('timeline', { root: 'tools/timeline', stageFile: 'tools/timeline/stage.json' })], options));
    expect(messages).toEqual([
      "tools/timeline/stage.json at /name: stage name 'timeline' is reserved (dist/stagecraft/timeline.json is the timeline of each run, beside the stages' manifests): give the stage another name",
    ]);
  });

  it('names both files of a duplicate stage name', () => {
    const messages = errorsOf(() =>
      buildStageGraph([base, stage('a'), stage('a', { root: 'other/a', stageFile: 'other/a/stage.json' })], options),
    );
    expect(messages).toEqual([
      "other/a/stage.json at /name: stage name 'a' is already used by stages/a/stage.json; stage names must be unique",
    ]);
  });

  it('names the file and field of a missing upstream, suggesting a near name', () => {
    const messages = errorsOf(() => buildStageGraph([base, stage('lib-a'), stage('b', { depends: ['lib'] })], options));
    expect(messages).toEqual([
      "stages/b/stage.json at /depends/0: no stage named 'lib' in this workspace; did you mean 'lib-a'?",
    ]);
  });

  it('rejects a from that is neither a stage nor a tagged image', () => {
    const messages = errorsOf(() => buildStageGraph([base, stage('a', { from: 'basee' })], options));
    expect(messages[0]).toMatch(/^stages\/a\/stage.json at \/from: 'basee' is neither another stage/);
  });

  it('asks for a base when there is neither from nor defaultBase', () => {
    const messages = errorsOf(() => buildStageGraph([stage('a')], resolveOptions({})));
    expect(messages[0]).toMatch(/^stages\/a\/stage.json at \/from: no base image/);
  });

  it('names every file of a cycle', () => {
    const messages = errorsOf(() =>
      buildStageGraph([base, stage('a', { depends: ['c'] }), stage('b', { depends: ['a'] }), stage('c', { depends: ['b'] })], options),
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('dependency cycle:');
    for (const name of ['a', 'b', 'c']) expect(messages[0]).toContain(`${name} (stages/${name}/stage.json)`);
  });

  it('reports a cycle through a Dockerfile reference with the Dockerfile named', () => {
    const messages = errorsOf(() =>
      buildStageGraph([dockerfileStage('x', 'FROM y\n'), dockerfileStage('y', 'FROM scratch\nCOPY --from=x /a /a\n')], options),
    );
    expect(messages[0]).toContain('x (stages/x/Dockerfile)');
    expect(messages[0]).toContain('y (stages/y/Dockerfile)');
  });
});

describe('implied default-base edges', () => {
  it("marks an aggregate's default-base edge implied when what it aggregates builds on the base", () => {
    const graph = buildStageGraph(
      [
        dockerfileStage('base', 'FROM scratch\n'),
        stage('a'),
        stage('b', { depends: ['a'] }),
        stage('final', { depends: ['b'], build: { type: 'aggregate' } }),
      ],
      resolveOptions({ defaultBase: 'base' }),
    );
    const toBase = graph.edges.filter((edge) => edge.target === 'base');
    expect(toBase.map((edge) => [edge.source, edge.implied ?? false])).toEqual([
      ['a', false],
      ['b', false],
      ['final', true],
    ]);
    expect(graph.upstreamOf('final')).toEqual(['b', 'base']);
  });

  it('leaves out references to a stage that failed to load, without a follow-on error', () => {
    const app = stage('app', { depends: ['broken'] });
    const tool = stage('tool', { from: 'broken' });
    const graph = buildStageGraph([dockerfileStage('base', 'FROM scratch\n'), app, tool], options, (name) => name === 'broken');
    expect(graph.upstreamOf('app')).toEqual(['base']);
    expect(graph.baseOf('tool')).toEqual({ none: true });
    expect(() => buildStageGraph([dockerfileStage('base', 'FROM scratch\n'), app], options)).toThrow("no stage named 'broken'");
  });
});
