import type { ExecutorContext } from '@nx/devkit';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { connectEngine, readFilesFromImage } from '../../docker';
import { definingFile, type StageGraph } from '../../stage/graph';
import { packagesDir } from '../../key/plan';
import { runStages } from '../../build/run-stages';
import { reportFailure } from '../shared/report-failure';
import { stageContextFor } from '../../build/stage-context';
import { provenancePath, writeProvenance } from '../../build/package-provenance';
import type { PackageExecutorOptions } from './schema';

/**
 * Ensures the stage's image (and the images it is built from), then copies the
 * files matching exports.packages out of it, through a container that is
 * created but never started. The output directory holds exactly those files;
 * beside it, a provenance record names the key that made them and each file's sha256.
 */
export default async function packageExecutor(
  _options: PackageExecutorOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const project = context.projectName!;
  try {
    const { graph, planner, workspaceRoot } = stageContextFor(context, [project]);
    const stage = graph.stages.get(project)!;
    if (stage.exports.packages.length === 0) {
      throw new Error(`${definingFile(stage)} at /exports/packages: the stage exports no packages`);
    }
    for await (const event of runStages(context, imageClosure(graph, project), { needImages: [project] })) {
      const { outcome } = event;
      if (outcome.status === 'failed' || outcome.status === 'skipped') {
        throw new Error(`the image of stage ${outcome.stage} is not available: ${outcome.message ?? outcome.status}`);
      }
    }
    const plan = await planner.plan(project);
    const outDir = join(workspaceRoot, packagesDir(project));
    rmSync(outDir, { recursive: true, force: true });
    rmSync(join(workspaceRoot, provenancePath(project)), { force: true });
    try {
      const files = await readFilesFromImage(connectEngine(), plan.tag, stage.exports.packages, outDir);
      writeProvenance(workspaceRoot, { stage: project, key: plan.key, tag: plan.tag });
      process.stdout.write(`${project}: ${files.length} package file(s) in ${packagesDir(project)}: ${files.join(', ')}\n`);
    } catch (error) {
      rmSync(outDir, { recursive: true, force: true });
      throw new Error(`${definingFile(stage)} at /exports/packages: ${(error as Error).message}`);
    }
    return { success: true };
  } catch (error) {
    return reportFailure(project, error);
  }
}

/** The stage and every stage whose image its build needs, transitively. */
function imageClosure(graph: StageGraph, start: string): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    graph.imageUpstreamOf(name).forEach(visit);
  };
  visit(start);
  return [...seen];
}
