import type { ProjectConfiguration } from '@nx/devkit';
import { isPluginExecutor } from '../identity/identity';

/** True for projects this plugin inferred (they carry a Stagecraft executor). */
export function isStageProject(project: Pick<ProjectConfiguration, 'targets'>): boolean {
  return Object.values(project.targets ?? {}).some((target) => isPluginExecutor(target.executor));
}

/** The roots of the stage projects among the given projects, sorted. */
export function stageRootsOf(projects: Record<string, Pick<ProjectConfiguration, 'targets' | 'root'>>): string[] {
  return Object.values(projects)
    .filter(isStageProject)
    .map((project) => project.root)
    .sort();
}
