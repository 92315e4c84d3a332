import type { ProjectConfiguration } from '@nx/devkit';
import { isPluginExecutor } from '../identity/identity';
import type { StageLocation } from './stage-files';

/** True for projects this plugin inferred (they carry a Stagecraft executor). */
export function isStageProject(project: Pick<ProjectConfiguration, 'targets'>): boolean {
  return Object.values(project.targets ?? {}).some((target) => isPluginExecutor(target.executor));
}

/** The stage projects among the given projects (by name), each with its root and name, sorted by root. */
export function stageLocationsOf(projects: Record<string, Pick<ProjectConfiguration, 'targets' | 'root'>>): StageLocation[] {
  return Object.entries(projects)
    .filter(([, project]) => isStageProject(project))
    .map(([name, project]) => ({ root: project.root, name }))
    .sort((a, b) => a.root.localeCompare(b.root));
}
