import type { ExecutorContext, ProjectGraph } from '@nx/devkit';
import { clockFromEnv } from '../key/bucket';
import { join, resolve } from 'node:path';
import { buildStageGraph, type StageGraph } from '../stage/graph';
import { loadStagesCached, openStageCache } from '../plugin/stage-files';
import { FileHashCache } from '../key/hash-cache';
import { Planner } from '../key/plan';
import { resolveSourceIdentity } from './source-identity';
import type { ResolvedOptions } from '../stage/types';
import { isStageProject } from '../plugin/stage-projects';
import { pluginOptionsFrom, resolveOptions } from '../stage/plugin-options';

export interface StageContext {
  workspaceRoot: string;
  /** Stagecraft's store of sources and git mirrors. */
  cacheDir: string;
  /** File hashes remembered between runs: save it once the plans are made. */
  hashCache: FileHashCache;
  options: ResolvedOptions;
  graph: StageGraph;
  planner: Planner;
}

/**
 * Loads the given stage projects and everything upstream of them (following
 * the project graph), checks them as a graph, and returns a planner over them.
 * Only the stages a task needs are read, so one task in a 500-stage workspace
 * does not parse the other 499.
 */
export function stageContextFor(context: ExecutorContext, projectNames: string[]): StageContext {
  const workspaceRoot = context.root;
  const options = resolveOptions(pluginOptionsFrom(context.nxJsonConfiguration));
  const projects = context.projectsConfigurations?.projects ?? {};
  const roots = upstreamClosure(context.projectGraph, projectNames)
    .filter((name) => projects[name] && isStageProject(projects[name]))
    .map((name) => ({ root: projects[name].root, name }));
  // The plugin already loaded and validated these stages; its on-disk cache has them.
  const { stages, errors } = loadStagesCached(workspaceRoot, roots, openStageCache());
  if (errors.length) throw errors[0];
  const graph = buildStageGraph(stages, options);
  const cacheDir = stagecraftCacheDir(context);
  const hashCache = new FileHashCache(join(cacheDir, 'file-hashes.json'));
  const planner = new Planner({
    workspaceRoot,
    graph,
    options,
    now: clockFromEnv(),
    env: process.env,
    resolveSource: (stage) => resolveSourceIdentity(stage, workspaceRoot, cacheDir, options.targetNames.sources),
    hashCache,
  });
  return { workspaceRoot, cacheDir, hashCache, options, graph, planner };
}

/** Sources and git mirrors live in the workspace's cache directory (Nx's, by default .nx/cache). */
export function stagecraftCacheDir(context: ExecutorContext): string {
  const configured = context.nxJsonConfiguration?.cacheDirectory;
  const base = process.env['NX_CACHE_DIRECTORY'] ?? configured ?? join('.nx', 'cache');
  return resolve(context.root, base, 'stagecraft');
}

function upstreamClosure(projectGraph: ProjectGraph, start: string[]): string[] {
  const seen = new Set<string>();
  const queue = [...start];
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const dependency of projectGraph.dependencies[name] ?? []) queue.push(dependency.target);
  }
  return [...seen].sort();
}
