import type { ResolvedOptions } from '../stage/types';
import type { RegistryPruner } from './prune-stage';

/** The registry side of a stage's prune, when the workspace has a registry (the registry client comes with issue 10). */
export function stageRegistryPruner(_options: ResolvedOptions, _currentTag: string): RegistryPruner | undefined {
  return undefined;
}
