import type { ExecutorContext } from '@nx/devkit';
import { stageContextFor } from '../../ensure/stage-context';
import { connectEngine, ensureEngineReachable } from '../../docker/engine';
import { describePrune, pruneStage } from '../../prune/prune-stage';
import { stageRegistryPruner } from '../../prune/registry-pruner';
import { registrySettings } from '../../registry-policy/registry-options';
import { reportFailure } from '../shared/report-failure';
import type { PruneExecutorOptions } from './schema';

/** Removes the stage's images that are not current, locally and in the workspace registry. */
export default async function pruneExecutor(options: PruneExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const stage = context.projectName!;
  try {
    const { planner, options: pluginOptions } = stageContextFor(context, [stage]);
    const { tag } = await planner.plan(stage);
    const docker = connectEngine();
    await ensureEngineReachable(docker);
    const dryRun = Boolean(options.dryRun);
    const report = await pruneStage(docker, {
      stage,
      currentTag: tag,
      keep: options.keep ?? 1,
      dryRun,
      registry: stageRegistryPruner(registrySettings(pluginOptions, process.env), stage, tag),
    });
    for (const line of describePrune(stage, report, dryRun)) process.stdout.write(`${line}\n`);
    return { success: report.registryFailure === undefined };
  } catch (error) {
    return reportFailure(stage, error);
  }
}
