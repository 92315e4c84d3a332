/**
 * The one place that knows the plugin runs on nx 22.6+, 23.x or 24.x (package.json's peer
 * range), and the only importer of nx's own modules; the rest of the code uses these names
 * whatever nx loaded it. CONTRIBUTING.md ("Nx versions") lists what differs.
 */
import type { CreateNodesV2, NxJsonConfiguration, ProjectGraph, ProjectsConfigurations, Tree } from '@nx/devkit';
import { join, posix } from 'node:path';
// nx's own modules, not @nx/devkit: the plugin worker and task processes have them loaded already, and
// loading devkit costs 0.3 s. Each path exists with the same exports on nx 22.6+, 23.x and 24.x.
import { PluginCache } from 'nx/src/utils/plugin-cache-utils';
import { workspaceDataDirectory } from 'nx/src/utils/cache-directory';
import { AggregateCreateNodesError } from 'nx/src/project-graph/error-types';

export { AggregateCreateNodesError };

/** JSON as Nx reads project files (comments, trailing commas allowed), with nx's own parser, loaded on first use. */
export function parseJsonAsNx(text: string): unknown {
  return (require('nx/src/utils/json') as typeof import('nx/src/utils/json')).parseJson(text);
}

/** An on-disk cache in the workspace's data directory (.nx/workspace-data), as nx's own plugins keep theirs. */
export interface WorkspaceCache<T> {
  get(key: string): T | undefined;
  set(key: string, value: T): void;
  save(): void;
}

export function openWorkspaceCache<T>(fileName: string): WorkspaceCache<T> {
  const path = join(workspaceDataDirectory, fileName);
  const cache = new PluginCache<T>(path);
  // nx 22.x: writeToDisk(path) needs the path again; 23.x and 24.x write where the cache was read and ignore it.
  // (nx before 22.6 has no PluginCache: the peer range starts there.)
  const writeToDisk = cache.writeToDisk as (this: PluginCache<T>, path: string) => void;
  return {
    get: (key) => cache.get(key),
    set: (key, value) => cache.set(key, value),
    save: () => writeToDisk.call(cache, path),
  };
}

/**
 * The plugin's createNodes under both names: nx 22.x reads `createNodesV2` first, 23.x and 24.x
 * read `createNodes` first (and deprecate `createNodesV2`); all three call it with the same arguments.
 */
export function createNodesExports<T>(nodes: CreateNodesV2<T>): { createNodes: CreateNodesV2<T>; createNodesV2: CreateNodesV2<T> } {
  return { createNodes: nodes, createNodesV2: nodes };
}

export type BatchTaskStatus = 'success' | 'failure' | 'skipped';

/** What a batch implementation yields to Nx for one task. */
export interface BatchTaskResult {
  task: string;
  result: { success: boolean; status: BatchTaskStatus; terminalOutput: string; startTime: number; endTime: number };
}

/**
 * One task's result from a batch, with its own start and end, which nx 22.6 and later take as the
 * task's duration (and critical path). `status` tells a task skipped because an upstream failed from
 * one that failed: nx 22.7.12 (not 22.7.0), 23.x and 24.x read it; earlier 22.x read `success` only.
 */
export function batchTaskResult(task: string, status: BatchTaskStatus, terminalOutput: string, startTime: number, endTime: number): BatchTaskResult {
  return { task, result: { success: status === 'success', status, terminalOutput, startTime, endTime } };
}

export interface WorkspaceGraph {
  root: string;
  projectGraph: ProjectGraph;
  projectsConfigurations: ProjectsConfigurations;
  nxJson: NxJsonConfiguration;
}

/**
 * The project graph as `nx` computes it (the same plugins, so the same stages) and nx.json
 * on disk, for the stagecraft CLI and the generators; read from the workspace's own nx.
 */
export async function readWorkspaceGraph(): Promise<WorkspaceGraph> {
  const nx = await import('nx/src/devkit-exports');
  const { readNxJson } = await import('nx/src/config/nx-json');
  const projectGraph = await nx.createProjectGraphAsync({ exitOnError: false });
  return {
    root: nx.workspaceRoot,
    projectGraph,
    projectsConfigurations: nx.readProjectsConfigurationFromProjectGraph(projectGraph),
    nxJson: readNxJson(nx.workspaceRoot),
  };
}

interface TreeIgnoreChecker {
  isIgnoredFile(path: string): boolean;
  isIgnoredDirectory(path: string): boolean;
}

/** The parts of nx/src/devkit-internals the tree walk uses; which of them exists depends on the version. */
export interface IgnoreInternals {
  /** Later 23.x (23.3.2 has it, 23.0.0 not) and 24.x: nested .gitignore files too, and node_modules, .git and nx's caches always. */
  createGitIgnoreChecker?: (tree: Tree) => TreeIgnoreChecker;
  /** 22.x and early 23.x: the root .gitignore and .nxignore only (undefined when neither exists). */
  getIgnoreObjectForTree?: (tree: Tree) => { ignores(path: string): boolean } | undefined;
}

/** What createGitIgnoreChecker never walks into, whatever the ignore files say. */
const ALWAYS_IGNORED = ['node_modules', '.git', '.nx/cache', '.nx/workspace-data', '.yarn/cache'];

function gitIgnoreChecker(tree: Tree, internals: IgnoreInternals): TreeIgnoreChecker {
  if (internals.createGitIgnoreChecker) return internals.createGitIgnoreChecker(tree);
  const ignore = internals.getIgnoreObjectForTree?.(tree);
  const alwaysIgnored = (dir: string) => ALWAYS_IGNORED.some((skipped) => dir === skipped || dir.endsWith(`/${skipped}`));
  return {
    isIgnoredFile: (path) => ignore?.ignores(path) ?? false,
    isIgnoredDirectory: (path) => alwaysIgnored(path) || (ignore?.ignores(`${path}/`) ?? false),
  };
}

/**
 * Calls `visit` with every file under `dir` (workspace-relative, '' for the root) that git does not
 * ignore, read from the generator's tree. Not @nx/devkit's visitNotIgnoredFiles: devkit 23.3 (what
 * npm installs beside nx 22.x) refuses to walk on an nx without createGitIgnoreChecker.
 */
export function visitNotIgnoredFiles(
  tree: Tree,
  dir: string,
  visit: (path: string) => void,
  // Loaded here, not at the top: the plugin worker never needs it.
  internals: IgnoreInternals = require('nx/src/devkit-internals'),
): void {
  const checker = gitIgnoreChecker(tree, internals);
  const walk = (current: string) => {
    for (const child of tree.children(current)) {
      const path = current ? posix.join(current, child) : child;
      if (tree.isFile(path)) {
        if (!checker.isIgnoredFile(path)) visit(path);
      } else if (!checker.isIgnoredDirectory(path)) {
        walk(path);
      }
    }
  };
  if (dir === '' || !checker.isIgnoredDirectory(dir)) walk(dir);
}
