import type { Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { visitNotIgnoredFiles, type IgnoreInternals } from './nx-compat';

function treeWith(files: Record<string, string>): Tree {
  const tree = createTreeWithEmptyWorkspace();
  for (const [path, content] of Object.entries(files)) tree.write(path, content);
  return tree;
}

function visited(tree: Tree, dir: string, internals?: IgnoreInternals): string[] {
  const paths: string[] = [];
  visitNotIgnoredFiles(tree, dir, (path) => paths.push(path), internals);
  return paths.filter((path) => path.endsWith('Dockerfile')).sort();
}

const FILES = {
  '.gitignore': 'dist/\n*.tmp/\n',
  'stages/base/Dockerfile': 'FROM scratch\n',
  'stages/app/Dockerfile': 'FROM base\n',
  'dist/copy/Dockerfile': 'FROM scratch\n',
  'node_modules/some-package/Dockerfile': 'FROM scratch\n',
  'stages/app/scratch.tmp/Dockerfile': 'FROM scratch\n',
};

describe('visitNotIgnoredFiles', () => {
  it("uses the installed nx's checker (later 23.x, 24.x): git-ignored paths and node_modules are never visited, nested .gitignore files count", () => {
    const tree = treeWith({ ...FILES, 'stages/app/.gitignore': 'generated/\n', 'stages/app/generated/Dockerfile': 'FROM scratch\n' });
    expect(visited(tree, '')).toEqual(['stages/app/Dockerfile', 'stages/base/Dockerfile']);
    expect(visited(tree, 'stages/base')).toEqual(['stages/base/Dockerfile']);
    expect(visited(tree, 'dist')).toEqual([]);
  });

  describe("on nx 22.x and early 23.x, which have only the root .gitignore's ignore object", () => {
    // The ignore object nx 22.x builds from the root .gitignore ('dist/' and '*.tmp/' here); directories are asked with a trailing '/'.
    const rootGitignore = { ignores: (path: string) => /^dist\/|(^|\/)[^/]+\.tmp\//.test(path) };

    it('skips what the root .gitignore names, and node_modules, .git and nx caches whatever it says', () => {
      const tree = treeWith({ ...FILES, '.git/modules/x/Dockerfile': 'FROM scratch\n', '.nx/cache/1/Dockerfile': 'FROM scratch\n' });
      expect(visited(tree, '', { getIgnoreObjectForTree: () => rootGitignore })).toEqual(['stages/app/Dockerfile', 'stages/base/Dockerfile']);
    });

    it('still skips node_modules in a workspace with no .gitignore (nx gives no ignore object then)', () => {
      const tree = treeWith(FILES);
      expect(visited(tree, '', { getIgnoreObjectForTree: () => undefined })).toEqual([
        'dist/copy/Dockerfile',
        'stages/app/Dockerfile',
        'stages/app/scratch.tmp/Dockerfile',
        'stages/base/Dockerfile',
      ]);
    });
  });
});
