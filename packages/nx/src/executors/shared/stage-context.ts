import type { ExecutorContext, ProjectGraph } from '@nx/devkit';
import { clockFromEnv } from '../../stage/bucket';
import { buildStageGraph, type StageGraph } from '../../stage/graph';
import { loadStage } from '../../stage/load';
import { Planner } from '../../stage/plan';
import { resolveOptions, type ResolvedOptions } from '../../stage/types';
import { isStageProject } from '../../plugin/stage-projects';
import { pluginOptionsFrom } from './plugin-options';

export interface StageContext {
  workspaceRoot: string;
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
    .map((name) => projects[name].root);
  const graph = buildStageGraph(
    roots.map((root) => loadStage(workspaceRoot, root)),
    options,
  );
  const planner = new Planner({ workspaceRoot, graph, options, now: clockFromEnv(), env: process.env });
  return { workspaceRoot, options, graph, planner };
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
