import type { ExecutorContext, ProjectConfiguration } from '@nx/devkit';
import { readWorkspaceGraph } from '../nx-compat/nx-compat';
import { isStageProject } from '../plugin/stage-projects';

/** The Nx workspace as the CLI sees it: an executor context without a project, and its stage projects. */
export interface CliWorkspace {
  context: ExecutorContext;
  stages: Record<string, ProjectConfiguration>;
}

/**
 * Reads the project graph of the workspace around the current directory the
 * way `nx` does (the same plugins, so the same stages), without the daemon
 * unless NX_DAEMON asks for it.
 */
export async function loadCliWorkspace(): Promise<CliWorkspace> {
  process.env['NX_DAEMON'] ??= 'false';
  const { root, projectGraph, projectsConfigurations, nxJson } = await readWorkspaceGraph();
  const stages = Object.fromEntries(Object.entries(projectsConfigurations.projects).filter(([, project]) => isStageProject(project)));
  const context: ExecutorContext = {
    root,
    cwd: process.cwd(),
    isVerbose: false,
    projectGraph,
    projectsConfigurations,
    nxJsonConfiguration: nxJson,
  };
  return { context, stages };
}

/** The stage project of that name, or an error naming the workspace and the stages it has. */
export function stageProjectNamed(workspace: CliWorkspace, stage: string): ProjectConfiguration {
  const project = workspace.stages[stage];
  if (!project) {
    const known = Object.keys(workspace.stages).sort();
    const listed = known.length ? `; its stages: ${known.join(', ')}` : '; it has no stages';
    throw new Error(`no stage named '${stage}' in the workspace at ${workspace.context.root}${listed}`);
  }
  return project;
}
