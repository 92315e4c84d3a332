import { readJson, readNxJson, updateNxJson, writeJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { fakeDigest } from '../../../testing/fake-bases';
import { defaultImageName } from './default-image-name';
import { initGenerator } from './init';

// Generators pin the external bases they write; here no registry is asked.
jest.mock('../../bases/resolve-base', () => ({ resolveBase: (image: string) => require('../../../testing/fake-bases').fakeResolveBase(image) }));

function stagecraftEntries(tree: Tree) {
  return (readNxJson(tree)?.plugins ?? []).filter((entry) =>
    (typeof entry === 'string' ? entry : entry.plugin).startsWith('@stagecraft/nx'),
  );
}

describe('init generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    // oxfmt is not installed here; without its config formatFiles finds no formatter to run.
    tree.delete('.oxfmtrc.json');
    writeJson(tree, 'package.json', { name: '@Acme/Shop_Front', private: true });
  });

  it('registers the plugin with the image name taken from package.json', async () => {
    await initGenerator(tree, {});
    expect(stagecraftEntries(tree)).toEqual([{ plugin: '@stagecraft/nx', options: { imageName: 'acme-shop_front' } }]);
  });

  it('records every option given', async () => {
    await initGenerator(tree, { imageName: 'shop', registry: '127.0.0.1:5000/team', defaultBase: 'base', defaultRefresh: 'month' });
    expect(stagecraftEntries(tree)).toEqual([
      { plugin: '@stagecraft/nx', options: { imageName: 'shop', registry: '127.0.0.1:5000/team', defaultBase: 'base', defaultRefresh: 'month' } },
    ]);
  });

  it('keeps the other plugins and nx.json settings', async () => {
    updateNxJson(tree, { ...readNxJson(tree), plugins: ['@nx/js/typescript'], parallel: 5 });
    await initGenerator(tree, { defaultBase: 'base' });
    const nxJson = readNxJson(tree);
    expect(nxJson?.parallel).toBe(5);
    expect(nxJson?.plugins).toEqual([
      '@nx/js/typescript',
      { plugin: '@stagecraft/nx', options: { imageName: 'acme-shop_front', defaultBase: 'base' } },
    ]);
  });

  it('merges the given options into an existing entry instead of adding a second one', async () => {
    await initGenerator(tree, { imageName: 'shop', defaultBase: 'base' });
    await initGenerator(tree, { defaultRefresh: 'day', defaultBase: 'debian' });
    expect(stagecraftEntries(tree)).toEqual([
      { plugin: '@stagecraft/nx', options: { imageName: 'shop', defaultBase: 'debian', defaultRefresh: 'day' } },
    ]);
  });

  it('keeps an existing entry as it is when run again without options', async () => {
    await initGenerator(tree, { imageName: 'shop' });
    const before = tree.read('nx.json', 'utf8');
    await initGenerator(tree, {});
    expect(tree.read('nx.json', 'utf8')).toBe(before);
  });

  it('recognises the plugin registered by name alone or through its plugin entry point, keeping include and exclude', async () => {
    updateNxJson(tree, { ...readNxJson(tree), plugins: [{ plugin: '@stagecraft/nx/plugin', include: ['stages/**'] }] });
    await initGenerator(tree, { registry: 'localhost:5000' });
    expect(stagecraftEntries(tree)).toEqual([{ plugin: '@stagecraft/nx/plugin', include: ['stages/**'], options: { registry: 'localhost:5000' } }]);

    updateNxJson(tree, { ...readNxJson(tree), plugins: ['@stagecraft/nx'] });
    await initGenerator(tree, { imageName: 'shop' });
    expect(stagecraftEntries(tree)).toEqual([{ plugin: '@stagecraft/nx', options: { imageName: 'shop' } }]);
  });

  it('rejects an image name or registry that gives no valid Docker image name, leaving nx.json alone', async () => {
    const before = tree.read('nx.json', 'utf8');
    await expect(initGenerator(tree, { imageName: 'My Images' })).rejects.toThrow(
      '--imageName: expected lowercase letters and digits, separated by . _ __ - or /, like "acme", got "My Images"',
    );
    await expect(initGenerator(tree, { imageName: 'shop', registry: 'bad_host:5000:1' })).rejects.toThrow(
      '--registry: expected host[:port][/path], like "registry.example:5000/ci", got "bad_host:5000:1"',
    );
    expect(tree.read('nx.json', 'utf8')).toBe(before);
  });

  it('rejects an unknown refresh period', async () => {
    await expect(initGenerator(tree, { defaultRefresh: 'hourly' as never })).rejects.toThrow(
      '--defaultRefresh: expected one of "never", "day", "isoweek", "month", got "hourly"',
    );
  });

  it('writes nx.json when the workspace has none yet', async () => {
    tree.delete('nx.json');
    await initGenerator(tree, { imageName: 'shop' });
    expect(readNxJson(tree)?.plugins).toEqual([{ plugin: '@stagecraft/nx', options: { imageName: 'shop' } }]);
  });

  it('pins an external defaultBase into each stage that builds on it, and refuses one that cannot be resolved', async () => {
    writeJson(tree, 'tool/stage.json', { name: 'tool', build: { type: 'custom', steps: ['true'] } });
    writeJson(tree, 'tool/stage.lock.json', { source: { git: 'https://example.org/t.git', rev: 'main', ref: 'refs/heads/main', commit: 'a'.repeat(40) } });
    writeJson(tree, 'own/stage.json', { name: 'own', from: 'debian:12', build: { type: 'custom', steps: ['true'] } });
    await expect(initGenerator(tree, { defaultBase: 'missing:1' })).rejects.toThrow(/nothing was written: cannot resolve the external base 'missing:1'/);
    expect(stagecraftEntries(tree)).toEqual([]);
    await initGenerator(tree, { defaultBase: 'busybox:1' });
    expect(readJson(tree, 'tool/stage.lock.json')).toEqual({
      source: { git: 'https://example.org/t.git', rev: 'main', ref: 'refs/heads/main', commit: 'a'.repeat(40) },
      base: { image: 'busybox:1', digest: fakeDigest('busybox:1') },
    });
    expect(tree.exists('own/stage.lock.json')).toBe(false);
  });
});

describe('defaultImageName', () => {
  it.each([
    ['@acme/shop', 'acme-shop'],
    ['My Monorepo', 'my-monorepo'],
    ['stagecraft-test-workspace', 'stagecraft-test-workspace'],
    ['@@@', 'stagecraft'],
    [undefined, 'stagecraft'],
    [42, 'stagecraft'],
  ])('makes %p into %p', (packageName, imageName) => {
    expect(defaultImageName(packageName)).toBe(imageName);
  });
});
