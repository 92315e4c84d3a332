import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Planner } from '../key/plan';
import { buildStageGraph } from '../stage/graph';
import { loadStage } from '../stage/load';
import { resolveOptions } from '../stage/plugin-options';
import { equivalenceEnabled } from './enabled';
import { exportedPaths, observationOf, resolvedKeyOf } from './resolved-key';

const OPTIONS = resolveOptions({ imageName: 'fake', defaultBase: 'base' });

describe('resolved key', () => {
  let root: string;
  const write = (path: string, content: object | string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  };
  const planner = () => {
    const graph = buildStageGraph(['base', 'lib', 'app', 'tool', 'final'].map((dir) => loadStage(root, dir)), OPTIONS);
    return { graph, planner: new Planner({ workspaceRoot: root, graph, options: OPTIONS, now: new Date('2026-11-21T12:00:00Z'), env: {} }) };
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'stagecraft-resolved-'));
    write('base/Dockerfile', 'FROM scratch\n');
    write('lib/stage.json', { build: { type: 'custom', steps: ['true'] }, exports: { copy: ['/opt/lib'] } });
    write('app/stage.json', { depends: ['lib'], build: { type: 'custom', steps: ['true'] } });
    write('tool/Dockerfile', 'FROM lib\nCOPY --from=app /usr/local /x\n');
    write('final/stage.json', { depends: ['lib', 'app'], build: { type: 'aggregate' } });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('sees the base and a Dockerfile stage\'s references as whole images, a rendered stage\'s depends as their exports', () => {
    const { graph } = planner();
    expect(observationOf(graph, 'app', 'base')).toBe('image');
    expect(observationOf(graph, 'app', 'lib')).toBe('exports');
    expect(observationOf(graph, 'final', 'app')).toBe('exports');
    expect(observationOf(graph, 'tool', 'lib')).toBe('image');
    expect(observationOf(graph, 'tool', 'app')).toBe('image');
  });

  it('is the same when an upstream changed its key but not its output, and differs when its output changed', async () => {
    const before = await planner().planner.plan('final');
    write('lib/notes.txt', 'a note that changes nothing lib exports\n');
    const after = await planner().planner.plan('final');
    expect(after.key).not.toBe(before.key);
    // An aggregate's generated files name a sourceless upstream by its key: the resolved key leaves it out.
    expect(after.keyDocument.generated).not.toEqual(before.keyDocument.generated);
    const same = { base: 'image:1', lib: 'exports:2', app: 'exports:3' };
    expect(resolvedKeyOf(after, same)).toBe(resolvedKeyOf(before, same));
    expect(resolvedKeyOf(after, { ...same, lib: 'exports:4' })).not.toBe(resolvedKeyOf(before, same));
    expect(exportedPaths(await planner().planner.plan('lib'), '/usr/local')).toEqual(['/opt/lib']);
    expect(exportedPaths(await planner().planner.plan('app'), '/usr/local')).toEqual(['/usr/local']);
  });

  it('differs when the stage\'s own inputs change', async () => {
    const before = await planner().planner.plan('app');
    write('app/stage.json', { depends: ['lib'], build: { type: 'custom', steps: ['false'] } });
    const after = await planner().planner.plan('app');
    const upstream = { base: 'image:1', lib: 'exports:2' };
    expect(resolvedKeyOf(after, upstream)).not.toBe(resolvedKeyOf(before, upstream));
  });

  it('is on unless the plugin option or STAGECRAFT_EQUIVALENCE turns it off, and names a bad value', () => {
    expect(equivalenceEnabled(undefined, {})).toBe(true);
    expect(equivalenceEnabled(false, {})).toBe(false);
    expect(equivalenceEnabled(true, { STAGECRAFT_EQUIVALENCE: '0' })).toBe(false);
    expect(equivalenceEnabled(false, { STAGECRAFT_EQUIVALENCE: '1' })).toBe(true);
    expect(() => resolveOptions({ equivalence: 'yes' as never })).toThrow('nx.json at the @stagecraft/nx plugin\'s options/equivalence: expected true or false, got "yes"');
    expect(() => equivalenceEnabled(undefined, { STAGECRAFT_EQUIVALENCE: 'on' })).toThrow('STAGECRAFT_EQUIVALENCE: expected 1 (on) or 0 (off), got "on"');
  });
});
