import { manifestsToDelete, type TaggedManifest } from './registry-selection';

const tagged = (tag: string, digest: string, ours = true): TaggedManifest => ({ tag, digest, ours });

describe('registry prune selection', () => {
  it('deletes each stale manifest once, with every stale tag that names it', () => {
    const stale = [tagged('W46-b', 'sha256:2'), tagged('W45-a', 'sha256:1'), tagged('W46-c', 'sha256:2')];
    expect(manifestsToDelete(stale, [tagged('W47-d', 'sha256:3')])).toEqual([
      { digest: 'sha256:1', tags: ['W45-a'] },
      { digest: 'sha256:2', tags: ['W46-b', 'W46-c'] },
    ]);
  });

  it('never deletes a manifest a kept tag also names', () => {
    expect(manifestsToDelete([tagged('W46-b', 'sha256:3')], [tagged('W47-d', 'sha256:3')])).toEqual([]);
  });

  it('never deletes a manifest without this stage labels, even under a stale-looking tag', () => {
    const stale = [tagged('W46-b', 'sha256:2'), tagged('foreign', 'sha256:2', false), tagged('other', 'sha256:4', false)];
    expect(manifestsToDelete(stale, [])).toEqual([]);
  });
});
