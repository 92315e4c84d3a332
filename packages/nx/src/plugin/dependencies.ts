import type { CreateDependencies, RawProjectGraphDependency } from '@nx/devkit';

// DependencyType.static, without loading @nx/devkit at run time (0.3 s per plugin worker).
const STATIC = 'static' as RawProjectGraphDependency['type'];
import { buildStageGraph } from '../stage/graph';
import { resolveOptions } from '../stage/plugin-options';
import type { StagecraftOptions } from '../stage/types';
import { stageLocationsOf } from './stage-projects';
import { loadStagesCached, openStageCache } from './stage-files';

/** Static edges from `depends`, `from` (or the default base) and Dockerfile FROM / COPY --from, each with its file. */
export const createDependencies: CreateDependencies<StagecraftOptions> = async (rawOptions, context) => {
  const options = resolveOptions(rawOptions);
  const { stages, errors } = loadStagesCached(context.workspaceRoot, stageLocationsOf(context.projects), openStageCache());
  if (errors.length) throw errors[0];
  // createNodes reports every stage that failed to load and what refers to it; the edges to such a stage are left out here.
  const graph = buildStageGraph(stages, options, () => true);
  const seen = new Set<string>();
  const dependencies: RawProjectGraphDependency[] = [];
  for (const edge of graph.edges) {
    if (edge.implied) continue;
    const id = `${edge.source}\0${edge.target}`;
    if (seen.has(id)) continue;
    seen.add(id);
    dependencies.push({ source: edge.source, target: edge.target, sourceFile: edge.file, type: STATIC });
  }
  return dependencies;
};
