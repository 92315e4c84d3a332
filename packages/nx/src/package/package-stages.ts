import type { ExecutorContext } from '@nx/devkit';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { connectEngine } from '../docker/engine';
import { definingFile } from '../stage/definition-files';
import type { StageGraph } from '../stage/graph';
import { packagesDir } from '../key/plan';
import { dockerEngine, type StageEngine } from '../docker/stage-engine';
import { provenancePath, writeProvenance } from '../ensure/package-provenance';
import { runStages, type AfterImageStep, type StageRunEvent } from '../ensure/run-stages';
import { stageContextFor } from '../ensure/stage-context';

/**
 * The package target for any number of stages at once: one batch ensures the
 * images of every stage they need, under one scheduler and one bounded pool
 * (a shared upstream builds once), and each stage's package files are copied
 * out in its own job as soon as its image is there. Yields every stage's event;
 * those of `projects` are the package tasks' results.
 */
export async function* packageStages(
  context: ExecutorContext,
  projects: string[],
  parallel?: number,
  engine?: StageEngine,
): AsyncGenerator<StageRunEvent> {
  let graph: StageGraph;
  try {
    const stages = stageContextFor(context, projects);
    graph = stages.graph;
    engine ??= dockerEngine(connectEngine(), stages.options.builder);
  } catch (error) {
    for (const project of projects) yield failed(project, (error as Error).message);
    return;
  }
  const withPackages = projects.filter((project) => graph.stages.get(project)!.exports.packages.length > 0);
  for (const project of projects.filter((p) => !withPackages.includes(p))) {
    yield failed(project, `${definingFile(graph.stages.get(project)!)} at /exports/packages: the stage exports no packages`);
  }
  if (withPackages.length === 0) return;
  const step = packageStep(context.root, graph, engine, withPackages);
  yield* runStages(context, imageClosure(graph, withPackages), { parallel, needImages: withPackages, afterImage: step }, new Set(), engine);
}

/**
 * Copies each stage's exports.packages out of its image into dist/packages/<stage>,
 * with the provenance record beside it; a stage that consumes another's packages
 * waits for that copy. On a failure nothing of the stage's packages is left.
 */
export function packageStep(workspaceRoot: string, graph: StageGraph, engine: StageEngine, projects: string[]): AfterImageStep {
  const stages = new Set(projects);
  return {
    stages,
    waitsFor: (name) => {
      const stage = graph.stages.get(name);
      return stage?.consumePackages ? stage.depends.filter((upstream) => stages.has(upstream)) : [];
    },
    async run(plan, log) {
      const project = plan.stage.name;
      const outDir = join(workspaceRoot, packagesDir(project));
      rmSync(outDir, { recursive: true, force: true });
      rmSync(join(workspaceRoot, provenancePath(project)), { force: true });
      try {
        const files = await engine.readFiles(plan.tag, plan.stage.exports.packages, outDir);
        writeProvenance(workspaceRoot, { stage: project, key: plan.key, tag: plan.tag });
        log(`${files.length} package file(s) in ${packagesDir(project)}: ${files.join(', ')}`);
      } catch (error) {
        rmSync(outDir, { recursive: true, force: true });
        throw new Error(`${definingFile(plan.stage)} at /exports/packages: ${(error as Error).message}`);
      }
    },
  };
}

/** The stages and every stage whose image their builds need, transitively. */
export function imageClosure(graph: StageGraph, start: string[]): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    graph.imageUpstreamOf(name).forEach(visit);
  };
  start.forEach(visit);
  return [...seen];
}

function failed(project: string, message: string): StageRunEvent {
  const line = `${project}: ${message}`;
  process.stderr.write(`${line}\n`);
  const now = Date.now();
  return { project, outcome: { stage: project, status: 'failed', durationMs: 0, startTime: now, endTime: now, message }, output: [line] };
}
