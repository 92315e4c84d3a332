import { createTestWorkspace, ISOLATED_PLUGINS, writeBusyboxBase, type TestWorkspace } from '../../testing/workspace';

const valid = { build: { type: 'custom', steps: ['true'] } };

/** Each bad workspace must make `nx show projects` fail with an error naming the file and the field. */
const cases: Array<[string, Record<string, string | object>, RegExp[]]> = [
  ['malformed JSON', { 'a/stage.json': '{"build": {"type": "custom",}}' }, [/a\/stage\.json.*line 1, column \d+/]],
  ['an unknown field', { 'a/stage.json': { ...valid, colour: 'red' } }, [/a\/stage\.json at \/colour: unknown field 'colour'/]],
  ['a wrong type', { 'a/stage.json': { ...valid, depends: 'base' } }, [/a\/stage\.json at \/depends: expected an array/]],
  ['a bad name', { 'a/stage.json': { ...valid, name: 'Bad Name!' } }, [/a\/stage\.json at \/name: .*lowercase/]],
  [
    'a duplicate name',
    { 'a/stage.json': { ...valid, name: 'same' }, 'b/stage.json': { ...valid, name: 'same' } },
    [/a\/stage\.json at \/name: stage name 'same' is also declared by b\/stage\.json/, /b\/stage\.json at \/name: stage name 'same' is also declared by a\/stage\.json/],
  ],
  [
    'a cycle',
    { 'a/stage.json': { ...valid, depends: ['b'] }, 'b/stage.json': { ...valid, depends: ['a'] } },
    [/dependency cycle: .*a \(a\/stage\.json\).*b \(b\/stage\.json\)/],
  ],
  ['a missing upstream', { 'a/stage.json': { ...valid, depends: ['nope'] } }, [/a\/stage\.json at \/depends\/0: no stage named 'nope'/]],
  [
    'a newline injection in a config flag',
    { 'a/stage.json': { build: { type: 'cmake', configFlags: ['-DX=1\nRUN touch /pwned'] } } },
    [/a\/stage\.json at \/build\/configFlags\/0: must not contain control characters/],
  ],
];

/** Inference runs in Nx's plugin workers, as for users: its errors must reach the user through them. */
describe('bad inputs through nx', () => {
  const workspaces: TestWorkspace[] = [];
  afterAll(() => workspaces.forEach((w) => w.remove()));

  it('reports every problem of a file once, and nothing that only follows from a stage that failed to load', () => {
    const workspace = createTestWorkspace({ imageName: 'bad', defaultBase: 'base' });
    workspaces.push(workspace);
    writeBusyboxBase(workspace);
    workspace.write('libyaml/stage.json', { colour: 'red', build: { type: 'autoconf', configFlags: ['--a\n--b'] } });
    workspace.write('app/stage.json', { depends: ['libyaml'], build: { type: 'aggregate' } });
    workspace.write('tool/stage.json', { from: 'libyaml', build: { type: 'custom', steps: ['true'] } });
    const run = workspace.nx(['show', 'projects'], ISOLATED_PLUGINS);
    const output = run.stdout + run.stderr;
    expect(run.status).not.toBe(0);
    expect(output).toMatch(/libyaml\/stage\.json at \/colour: unknown field 'colour'/);
    expect(output).toMatch(/libyaml\/stage\.json at \/build\/configFlags\/0: must not contain control characters/);
    expect(output.match(/unknown field 'colour'/g)).toHaveLength(1);
    expect(output).not.toContain("no stage named 'libyaml'");
    expect(output).not.toContain('is neither another stage');
  });


  it('fails on a bad plugin option, naming nx.json and the field', () => {
    const workspace = createTestWorkspace({ imageName: 'bad', defaultBase: 'base', builder: 'kit' as never });
    workspaces.push(workspace);
    writeBusyboxBase(workspace);
    const run = workspace.nx(['show', 'projects'], ISOLATED_PLUGINS);
    expect(run.status).not.toBe(0);
    expect(run.stdout + run.stderr).toContain(`nx.json at the @stagecraft/nx plugin's options/builder: expected one of "auto", "buildkit", "legacy", got "kit"`);
  });

  it.each(cases)('%s gives a clear error naming the file and field', (_name, files, expected) => {
    const workspace = createTestWorkspace({ imageName: 'bad', defaultBase: 'base' });
    workspaces.push(workspace);
    writeBusyboxBase(workspace);
    for (const [path, content] of Object.entries(files)) workspace.write(path, content);
    const run = workspace.nx(['show', 'projects'], ISOLATED_PLUGINS);
    expect(run.status).not.toBe(0);
    for (const pattern of expected) expect(run.stdout + run.stderr).toMatch(pattern);
  });
});
