import {
  absolutePath,
  differingPaths,
  entryDigests,
  exportsOutputHash,
  imageOutputHash,
  observableConfig,
  stackLayers,
  whiteoutOf,
  type OutputEntry,
} from './output-hash';

const file = (path: string, sha256 = 'a'.repeat(64), extra: Partial<OutputEntry> = {}): OutputEntry => ({ path, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 1, sha256, ...extra });
const dir = (path: string): OutputEntry => ({ path, type: 'directory', mode: 0o755, uid: 0, gid: 0 });

describe('output hash', () => {
  it('names tar entries by absolute path and recognises whiteouts', () => {
    expect(absolutePath('./usr/local/')).toBe('/usr/local');
    expect(absolutePath('usr/local/lib/x.so')).toBe('/usr/local/lib/x.so');
    expect(absolutePath('./')).toBe('/');
    expect(whiteoutOf('/usr/local/.wh.x')).toEqual({ path: '/usr/local/x', kind: 'whiteout' });
    expect(whiteoutOf('/.wh.etc')).toEqual({ path: '/etc', kind: 'whiteout' });
    expect(whiteoutOf('/usr/local/.wh..wh..opq')).toEqual({ path: '/usr/local', kind: 'opaque' });
    expect(whiteoutOf('/usr/local/x')).toBeUndefined();
  });

  it('stacks layers: a whiteout removes the path and what is under it, an opaque directory its content, and both stay listed', () => {
    const stacked = stackLayers([
      [dir('/usr/local/x'), file('/usr/local/x/f'), file('/usr/local/keep'), file('/opt/a/b')],
      [{ path: '/usr/local/x', kind: 'whiteout' }, { path: '/opt', kind: 'opaque' }, file('/opt/new')],
    ]);
    expect([...stacked.entries.keys()].sort()).toEqual(['/opt/new', '/usr/local/keep']);
    expect([...stacked.hidden.values()]).toEqual([
      { path: '/usr/local/x', kind: 'whiteout' },
      { path: '/opt', kind: 'opaque' },
    ]);
  });

  it('is the same for the same entries in any order, and differs on content, mode, owner, a deletion or the base', () => {
    const own = (entries: OutputEntry[], hidden: Array<{ path: string; kind: 'whiteout' }> = []) => stackLayers([[...hidden, ...entries]]);
    const hash = (entries: OutputEntry[], base = 'image:b', hidden: Array<{ path: string; kind: 'whiteout' }> = []) =>
      imageOutputHash({ base, own: own(entries, hidden), config: { Env: ['PATH=/bin'] } });
    const reference = hash([dir('/usr'), file('/usr/a'), file('/usr/b')]);
    expect(hash([file('/usr/b'), file('/usr/a'), dir('/usr')])).toBe(reference);
    expect(hash([dir('/usr'), file('/usr/a', 'c'.repeat(64)), file('/usr/b')])).not.toBe(reference);
    expect(hash([dir('/usr'), file('/usr/a', undefined, { mode: 0o755 }), file('/usr/b')])).not.toBe(reference);
    expect(hash([dir('/usr'), file('/usr/a', undefined, { uid: 1000 }), file('/usr/b')])).not.toBe(reference);
    expect(hash([dir('/usr'), file('/usr/a'), file('/usr/b')], 'image:other')).not.toBe(reference);
    expect(hash([dir('/usr'), file('/usr/a'), file('/usr/b')], 'image:b', [{ path: '/etc/motd', kind: 'whiteout' }])).not.toBe(reference);
  });

  it("counts the config a dependent sees, not Stagecraft's own labels", () => {
    const own = stackLayers([[file('/a')]]);
    const hash = (config: Record<string, unknown>) => imageOutputHash({ base: 'none', own, config });
    const labelled = { Env: ['A=1'], Labels: { 'dev.stagecraft.key': 'k1', 'org.opencontainers.image.version': 'v1', team: 'x' } };
    expect(hash(labelled)).toBe(hash({ ...labelled, Labels: { 'dev.stagecraft.key': 'k2', 'org.opencontainers.image.version': 'v2', team: 'x' } }));
    expect(hash(labelled)).not.toBe(hash({ ...labelled, Labels: { team: 'y' } }));
    expect(hash(labelled)).not.toBe(hash({ ...labelled, Env: ['A=2'] }));
    expect(observableConfig({ Cmd: null, WorkingDir: '', User: 'app', Labels: null })).toEqual({ User: 'app' });
  });

  it('tells an absent exported path from an empty one', () => {
    expect(exportsOutputHash([{ path: '/usr/local', entries: undefined }])).not.toBe(exportsOutputHash([{ path: '/usr/local', entries: [] }]));
    const entries = [dir('/usr/local'), file('/usr/local/lib')];
    expect(exportsOutputHash([{ path: '/usr/local', entries }])).toBe(exportsOutputHash([{ path: '/usr/local', entries: [...entries].reverse() }]));
  });

  it('names the paths two outputs differ in', () => {
    const before = entryDigests([file('/a'), file('/b'), file('/gone')]);
    const after = entryDigests([file('/a'), file('/b', 'c'.repeat(64)), file('/new')]);
    expect(differingPaths(before, after)).toEqual(['/b', '/gone', '/new']);
  });
});
