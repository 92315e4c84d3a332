import type { Tree } from '@nx/devkit';
import { fakeDigest } from '../../../testing/fake-bases';
import { changedFiles, loadAndPlan, stagecraftTree } from '../../../testing/generator-tree';
import { stageGenerator } from './stage';

// Generators pin the external bases they write; here no registry is asked.
jest.mock('../../bases/resolve-base', () => ({ resolveBase: (image: string) => require('../../../testing/fake-bases').fakeResolveBase(image) }));

describe('stage generator', () => {
  let tree: Tree;
  beforeEach(async () => {
    tree = stagecraftTree({ defaultBase: 'base' });
    await stageGenerator(tree, { name: 'base', type: 'dockerfile', from: 'debian:12' });
  });

  it('writes a dockerfile stage: stage.json with $schema and a Dockerfile on its base', () => {
    expect(changedFiles(tree)).toMatchSnapshot();
  });

  it('writes a custom stage with a placeholder step that says what to replace, on the default base', async () => {
    await stageGenerator(tree, { name: 'tool', directory: 'ci/tool' });
    expect(changedFiles(tree)['ci/tool/stage.json']).toMatchSnapshot();
    const { plans } = await loadAndPlan(tree, ['base', 'ci/tool'], { defaultBase: 'base' });
    expect(plans.map((plan) => plan.stage.name)).toEqual(['base', 'tool']);
    expect(plans[1].dockerfile).toContain('replace this step in ci/tool/stage.json');
  });

  it.each([
    ['a git source', { name: 'zlib', type: 'autoconf', git: 'https://example.org/zlib.git', rev: 'v1.3.1' }],
    ['an archive source', { name: 'zlib', type: 'cmake', url: 'https://example.org/zlib.tar.gz', sha256: 'a'.repeat(64) }],
    ['a path source', { name: 'zlib', type: 'make', path: 'src' }],
  ] as const)('writes %s, and the stage loads and plans as written', async (_what, options) => {
    await stageGenerator(tree, { ...options });
    expect(changedFiles(tree)).toMatchSnapshot();
    const { plans } = await loadAndPlan(tree, ['base', 'zlib'], { defaultBase: 'base' });
    expect(plans[1].tag).toMatch(/^stagecraft-zlib:2026-W49-[0-9a-f]{16}$/);
  });

  it('takes depends comma-separated and repeated, and a stage or tagged image as the base', async () => {
    await stageGenerator(tree, { name: 'zlib', type: 'autoconf' });
    await stageGenerator(tree, { name: 'fmt', type: 'cmake', from: 'debian:12' });
    await stageGenerator(tree, { name: 'app', type: 'meson', from: 'base', depends: ['zlib,fmt', 'zlib'] });
    await stageGenerator(tree, { name: 'image', type: 'aggregate', depends: 'app,zlib' });
    await stageGenerator(tree, { name: 'dev', type: 'dockerfile', from: 'app', depends: ['zlib'] });
    const files = changedFiles(tree);
    expect([files['app/stage.json'], files['image/stage.json'], files['dev/stage.json'], files['dev/Dockerfile']]).toMatchSnapshot();
    const { plans } = await loadAndPlan(tree, ['base', 'zlib', 'fmt', 'app', 'image', 'dev'], { defaultBase: 'base' });
    const dev = plans.find((plan) => plan.stage.name === 'dev')!;
    expect(Object.keys(dev.upstreamTags).sort()).toEqual(['app', 'zlib']);
  });

  describe('pins the external base it writes, so the stage plans (and builds) without the lock generator', () => {
    it('pins --from into the stage pin file, by the digest its registry serves', async () => {
      await stageGenerator(tree, { name: 'fmt', type: 'cmake', from: 'debian:12' });
      expect(JSON.parse(changedFiles(tree)['fmt/stage.lock.json']!)).toEqual({ base: { image: 'debian:12', digest: fakeDigest('debian:12') } });
      const { plans } = await loadAndPlan(tree, ['base', 'fmt'], { defaultBase: 'base' });
      expect(plans[1].externalBase).toMatchObject({ digest: fakeDigest('debian:12'), ref: `debian@${fakeDigest('debian:12')}` });
    });

    it('pins an external defaultBase into a stage with no --from; a local-only image to its image id', async () => {
      const local = stagecraftTree({ defaultBase: 'local/busybox:1' });
      await stageGenerator(local, { name: 'tool' });
      expect(JSON.parse(changedFiles(local)['tool/stage.lock.json']!)).toEqual({ base: { image: 'local/busybox:1', imageId: fakeDigest('local/busybox:1') } });
      const { plans } = await loadAndPlan(local, ['tool'], { defaultBase: 'local/busybox:1' });
      expect(plans[0].externalBase?.digest).toBe(fakeDigest('local/busybox:1'));
    });

    it('writes a dockerfile stage FROM image@digest, and nothing to pin for a base already by digest or a stage', async () => {
      expect(changedFiles(tree)['base/Dockerfile']).toContain(`FROM debian:12@${fakeDigest('debian:12')}\n`);
      const byDigest = `debian:12@sha256:${'c'.repeat(64)}`;
      await stageGenerator(tree, { name: 'pinned', from: byDigest });
      await stageGenerator(tree, { name: 'app', from: 'base' });
      const files = changedFiles(tree);
      expect(Object.keys(files).filter((path) => path.endsWith('stage.lock.json'))).toEqual([]);
    });

    it('refuses a base that cannot be resolved, naming the image and the command, and writes nothing', async () => {
      const before = changedFiles(tree);
      await expect(stageGenerator(tree, { name: 'app', from: 'missing:1' })).rejects.toThrow(
        /nothing was written: cannot resolve the external base 'missing:1': .*then run this generator again .*nx g @stagecraft\/nx:lock --include='\^app\$' --update/,
      );
      expect(changedFiles(tree)).toEqual(before);
    });
  });

  it('knows the stages by the names the plugin gives them: colliding directories by their paths', async () => {
    tree.write('apps/api/docker/Dockerfile', 'FROM base\n');
    tree.write('apps/web/docker/Dockerfile', 'FROM base\n');
    await stageGenerator(tree, { name: 'edge', type: 'custom', depends: 'apps-api-docker' });
    expect(JSON.parse(changedFiles(tree)['edge/stage.json']!).depends).toEqual(['apps-api-docker']);
    await expect(stageGenerator(tree, { name: 'apps-web-docker' })).rejects.toThrow(/a stage named 'apps-web-docker' already exists \(apps\/web\/docker\/Dockerfile\)/);
    await expect(stageGenerator(tree, { name: 'x', depends: 'docker' })).rejects.toThrow(/--depends: no stage named 'docker'/);
  });

  describe('refusals write nothing', () => {
    const refusals: Array<[string, Parameters<typeof stageGenerator>[1], RegExp]> = [
      ['an existing name', { name: 'base' }, /a stage named 'base' already exists \(base\/stage\.json\); choose another name/],
      ['an invalid name', { name: 'My_Stage' }, /'My_Stage' is not a valid stage name: stage names are lowercase letters/],
      ['a missing upstream', { name: 'app', depends: ['bas'] }, /--depends: no stage named 'bas' in this workspace; did you mean 'base'\?/],
      ['a base that is no stage and has no tag', { name: 'app', from: 'bsae' }, /--from: 'bsae' is neither a stage of this workspace nor an image reference/],
      ['an invalid image reference', { name: 'app', from: 'Debian:12' }, /--from: expected a stage name or an image reference/],
      ['two sources', { name: 'app', git: 'x', rev: 'v1', path: 'src' }, /give one source: .*got --git and --path/],
      ['a git source without rev', { name: 'app', git: 'https://example.org/a.git' }, /needs both --git and --rev/],
      ['an archive without sha256', { name: 'app', url: 'https://example.org/a.tgz' }, /needs both --url and --sha256/],
      ['a malformed sha256', { name: 'app', url: 'https://example.org/a.tgz', sha256: 'abc' }, /source\/sha256: expected the archive's SHA-256/],
      ['an aggregate with a source', { name: 'app', type: 'aggregate', path: 'src' }, /an aggregate stage collects its depends and has no source/],
      ['a self dependency', { name: 'app', depends: 'app' }, /stage 'app' cannot depend on itself/],
      ['a directory outside the workspace', { name: 'app', directory: '../app' }, /--directory '..\/app' is outside the workspace/],
      ['an existing stage directory', { name: 'other', directory: 'base' }, /base\/stage\.json already exists/],
    ];
    it.each(refusals)('refuses %s', async (_what, options, message) => {
      const before = changedFiles(tree);
      await expect(stageGenerator(tree, options)).rejects.toThrow(message);
      expect(changedFiles(tree)).toEqual(before);
    });

    it('refuses a stage with no base when the workspace has no defaultBase', async () => {
      const bare = stagecraftTree();
      await expect(stageGenerator(bare, { name: 'app' })).rejects.toThrow(/no base: give --from/);
      expect(changedFiles(bare)).toEqual({});
    });
  });
});
