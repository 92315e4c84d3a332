import {
  createProjectGraphAsync,
  readNxJson,
  readProjectsConfigurationFromProjectGraph,
  type ExecutorContext,
  type Tree,
} from '@nx/devkit';
import { isStageProject } from '../../plugin/stage-projects';

/** What executors get from Nx, built for a generator: the project graph with the plugin's inferred stage projects. */
export async function workspaceContext(tree: Tree): Promise<ExecutorContext> {
  const projectGraph = await createProjectGraphAsync({ exitOnError: false });
  return {
    root: tree.root,
    cwd: process.cwd(),
    isVerbose: false,
    projectGraph,
    projectsConfigurations: readProjectsConfigurationFromProjectGraph(projectGraph),
    nxJsonConfiguration: readNxJson(tree) ?? {},
  } as ExecutorContext;
}

/** The names of the workspace's stage projects, sorted. */
export function stageProjectNames(context: ExecutorContext): string[] {
  return Object.entries(context.projectsConfigurations!.projects)
    .filter(([, project]) => isStageProject(project))
    .map(([name]) => name)
    .sort();
}
