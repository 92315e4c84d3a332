import { readNxJson, type ExecutorContext, type Tree } from '@nx/devkit';
import { readWorkspaceGraph } from '../../nx-compat/nx-compat';
import { isStageProject } from '../../plugin/stage-projects';

/** What executors get from Nx, built for a generator: the project graph with the plugin's inferred stage projects. */
export async function workspaceContext(tree: Tree): Promise<ExecutorContext> {
  const { projectGraph, projectsConfigurations } = await readWorkspaceGraph();
  return {
    root: tree.root,
    cwd: process.cwd(),
    isVerbose: false,
    projectGraph,
    projectsConfigurations,
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
