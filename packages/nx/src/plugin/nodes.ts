import type { CreateNodesResult, CreateNodesV2, ProjectConfiguration } from '@nx/devkit';
import { posix } from 'node:path';
import { AggregateCreateNodesError } from '../nx-compat/nx-compat';
import { definingFile, DOCKERFILE_NAME, STAGE_FILE_NAME } from '../stage/definition-files';
import { buildStageGraph, type StageGraph } from '../stage/graph';
import { StageErrors } from '../stage/errors';
import { resolveOptions } from '../stage/plugin-options';
import type { StagecraftOptions } from '../stage/types';
import { externalImagesOf } from '../stage/external-images';
import { discoverFiles, DISCOVERY_GLOB } from './discovery';
import { readExistingProjects } from './existing-projects';
import { declaredStageName, loadStagesCached, openStageCache, stageDirectories } from './stage-files';
import { assignStageNames, type ExistingProject, type NameCandidate } from './stage-names';
import { stageProject } from './targets';

/**
 * One Nx project per stage directory, or Stagecraft targets added to the Nx
 * project the directory already is. Stages are cached on disk by the hash of
 * their definition files, so an unchanged 500-stage workspace parses nothing.
 * The whole graph is checked here (names, missing upstreams, cycles); each
 * problem is an error for its own file, and every other project still loads.
 */
export const createNodesV2: CreateNodesV2<StagecraftOptions> = [
  DISCOVERY_GLOB,
  async (configFiles, rawOptions, context) => {
    const options = resolveOptions(rawOptions);
    const { workspaceRoot } = context;
    const { stageFiles, projectFiles } = discoverFiles(configFiles, options.skipDirectories);
    const dirs = stageDirectories(stageFiles);
    const projects = readExistingProjects(workspaceRoot, projectFiles);
    const stageFileSet = new Set(stageFiles);
    const naming = assignStageNames(
      dirs.map((dir) => nameCandidate(workspaceRoot, dir, stageFileSet, projects.get(dir))),
      projects,
    );
    for (const warning of naming.warnings) console.warn(warning);

    const cache = openStageCache();
    const locations = dirs.filter((dir) => !naming.left.has(dir)).map((root) => ({ root, name: naming.names.get(root) }));
    const { stages, errors: loadErrors, unloaded } = loadStagesCached(workspaceRoot, locations, cache);
    cache.save();
    const errors: Error[] = [...naming.errors, ...loadErrors];

    let graph: StageGraph | undefined;
    try {
      graph = buildStageGraph(stages, options, (name) => unloaded.has(name) || naming.leftNames.has(name));
    } catch (error) {
      errors.push(error as Error);
    }
    const names = new Set(stages.map((stage) => stage.name));
    const usesExternalImages = (stage: (typeof stages)[number]) =>
      externalImagesOf(stage, options.defaultBase, (name) => names.has(name) || unloaded.has(name), options.platform).length > 0;
    const results: Array<readonly [string, CreateNodesResult]> = stages.map((stage) => {
      const project = stageProject(stage, options, graph?.imageUpstreamOf(stage.name), usesExternalImages(stage));
      return [definingFile(stage), { projects: { [stage.root]: projects.has(stage.root) ? asAddition(project) : project } }];
    });
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

function nameCandidate(workspaceRoot: string, root: string, stageFiles: ReadonlySet<string>, project: ExistingProject | undefined): NameCandidate {
  const stageFile = posix.join(root, STAGE_FILE_NAME);
  const hasStageFile = stageFiles.has(stageFile);
  const declared = hasStageFile ? declaredStageName(workspaceRoot, root) : undefined;
  return {
    root,
    file: hasStageFile ? stageFile : posix.join(root, DOCKERFILE_NAME),
    ...(declared !== undefined && { declared }),
    ...(project && { project }),
  };
}

/**
 * The stage's targets, inputs and tags as an addition to the Nx project already
 * at its root (as nx's own Docker plugin adds its targets): the project keeps
 * its name, type and description.
 */
function asAddition(project: ProjectConfiguration): Partial<ProjectConfiguration> {
  const { name: _name, projectType: _type, metadata, ...addition } = project;
  const { description: _description, ...stageMetadata } = metadata ?? {};
  return { ...addition, metadata: stageMetadata };
}
