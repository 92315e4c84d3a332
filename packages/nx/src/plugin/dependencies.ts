import { DependencyType, type CreateDependencies, type RawProjectGraphDependency } from '@nx/devkit';
import { PluginCache, workspaceDataDirectory } from '@nx/devkit/internal';
import { join } from 'node:path';
import { buildStageGraph } from '../stage/graph';
import { KEY_FORMAT } from '../stage/key';
import { resolveOptions, type Stage, type StagecraftOptions } from '../stage/types';
import { stageRootsOf } from './stage-projects';
import { loadStagesCached } from './stage-files';

const CACHE_SALT = `stagecraft-nodes-v${KEY_FORMAT}`;

/** Static edges from `depends`, `from` (or the default base) and Dockerfile FROM / COPY --from, each with its file. */
export const createDependencies: CreateDependencies<StagecraftOptions> = async (rawOptions, context) => {
  const options = resolveOptions(rawOptions);
  const cache = new PluginCache<Stage>(join(workspaceDataDirectory, 'stagecraft-stages.hash'));
  const { stages, errors } = loadStagesCached(context.workspaceRoot, stageRootsOf(context.projects), cache, CACHE_SALT);
  if (errors.length) throw errors[0];
  const graph = buildStageGraph(stages, options);
  const seen = new Set<string>();
  const dependencies: RawProjectGraphDependency[] = [];
  for (const edge of graph.edges) {
    if (edge.implied) continue;
    const id = `${edge.source}\0${edge.target}`;
    if (seen.has(id)) continue;
    seen.add(id);
    dependencies.push({ source: edge.source, target: edge.target, sourceFile: edge.file, type: DependencyType.static });
  }
  return dependencies;
};
