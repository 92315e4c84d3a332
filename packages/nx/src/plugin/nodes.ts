import type { CreateNodesResult, CreateNodesV2 } from '@nx/devkit';
import { AggregateCreateNodesError } from '../nx-compat/nx-compat';
import { definingFile, STAGE_FILES_GLOB } from '../stage/definition-files';
import { buildStageGraph, type StageGraph } from '../stage/graph';
import { StageErrors } from '../stage/errors';
import { resolveOptions, type StagecraftOptions } from '../stage/types';
import { loadStagesCached, openStageCache, stageDirectories } from './stage-files';
import { stageProject } from './targets';

/**
 * One Nx project per stage directory. Stages are cached on disk by the hash of
 * their definition files, so an unchanged 500-stage workspace parses nothing.
 * The whole graph is checked here (duplicates, missing upstreams, cycles), so a
 * bad workspace fails at inference with errors naming the files.
 */
export const createNodesV2: CreateNodesV2<StagecraftOptions> = [
  STAGE_FILES_GLOB,
  async (configFiles, rawOptions, context) => {
    const options = resolveOptions(rawOptions);
    const cache = openStageCache();
    const { stages, errors, unloaded } = loadStagesCached(context.workspaceRoot, stageDirectories(configFiles), cache);
    cache.save();

    let graph: StageGraph | undefined;
    try {
      graph = buildStageGraph(stages, options, (name) => unloaded.has(name));
    } catch (error) {
      errors.push(error as Error);
    }
    const results: Array<readonly [string, CreateNodesResult]> = stages.map((stage) => [
      definingFile(stage),
      { projects: { [stage.root]: stageProject(stage, options, graph?.imageUpstreamOf(stage.name)) } },
    ]);
    if (errors.length) {
      const flat = errors.flatMap((error) => (error instanceof StageErrors ? error.errors : [error]));
      throw new AggregateCreateNodesError(
        flat.map((error) => [('file' in error ? String(error.file) : null), error]),
        results,
      );
    }
    return results;
  },
];
