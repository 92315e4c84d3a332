import { writeJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Planner } from '../src/key/plan';
import { buildStageGraph } from '../src/stage/graph';
import { loadStage } from '../src/stage/load';
import { resolveOptions } from '../src/stage/plugin-options';
import type { StagecraftOptions } from '../src/stage/types';

/** An empty Nx workspace tree with the Stagecraft plugin registered with these options. */
export function stagecraftTree(options: StagecraftOptions = {}): Tree {
  const tree = createTreeWithEmptyWorkspace();
  tree.delete('.oxfmtrc.json');
  writeJson(tree, 'nx.json', { plugins: [{ plugin: '@stagecraft/nx', options }] });
  baselines.set(tree, new Map(Object.entries(allChanges(tree))));
  return tree;
}

const baselines = new WeakMap<Tree, Map<string, string | null>>();

/** Every file generators changed since stagecraftTree, path -> content (deleted files: null), sorted by path. */
export function changedFiles(tree: Tree): Record<string, string | null> {
  const baseline = baselines.get(tree) ?? new Map();
  return Object.fromEntries(Object.entries(allChanges(tree)).filter(([path, content]) => baseline.get(path) !== content));
}

function allChanges(tree: Tree): Record<string, string | null> {
  const changes = tree.listChanges();
  return Object.fromEntries(
    changes
      .sort((a, b) => (a.path < b.path ? -1 : 1))
      .map((change) => [change.path, change.type === 'DELETE' ? null : change.content!.toString('utf8')]),
  );
}

/**
 * Writes the tree's files to a temp directory, loads the given stage
 * directories and plans every stage, as the plugin and the executors would.
 */
export async function loadAndPlan(tree: Tree, dirs: string[], options: StagecraftOptions = {}) {
  const root = mkdtempSync(join(tmpdir(), 'stagecraft-gen-'));
  try {
    for (const change of tree.listChanges()) {
      if (change.type === 'DELETE') continue;
      mkdirSync(dirname(join(root, change.path)), { recursive: true });
      writeFileSync(join(root, change.path), change.content!);
    }
    const stages = dirs.map((dir) => loadStage(root, dir));
    const resolved = resolveOptions(options);
    const graph = buildStageGraph(stages, resolved);
    const planner = new Planner({ workspaceRoot: root, graph, options: resolved, now: new Date('2026-12-01T00:00:00Z'), env: {} });
    return { stages, graph, plans: await planner.planAll() };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
