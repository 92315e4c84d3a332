import type { CreateNodesResult, CreateNodesV2 } from '@nx/devkit';
// Not from @nx/devkit, which the plugin worker has not loaded (0.3 s); nx's worker has this module loaded already.
import { AggregateCreateNodesError } from 'nx/src/project-graph/error-types';
import { definingFile, STAGE_FILES_GLOB } from '../stage/definition-files';
import { buildStageGraph, type StageGraph } from '../stage/graph';
import { StageErrors } from '../stage/errors';
import { resolveOptions, type StagecraftOptions } from '../stage/types';
import { externalImagesOf } from '../stage/external-images';
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
    cache.writeToDisk();

    let graph: StageGraph | undefined;
    try {
      graph = buildStageGraph(stages, options, (name) => unloaded.has(name));
    } catch (error) {
      errors.push(error as Error);
    }
    const names = new Set(stages.map((stage) => stage.name));
    const usesExternalImages = (stage: (typeof stages)[number]) =>
      externalImagesOf(stage, options.defaultBase, (name) => names.has(name) || unloaded.has(name), options.platform).length > 0;
    const results: Array<readonly [string, CreateNodesResult]> = stages.map((stage) => [
      definingFile(stage),
      { projects: { [stage.root]: stageProject(stage, options, graph?.imageUpstreamOf(stage.name), usesExternalImages(stage)) } },
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

export const createNodes = createNodesV2;
