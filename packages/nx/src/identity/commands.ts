import { generatorCommand } from './identity';

/** A generator's --include option that selects exactly one stage. */
export function includeOnly(stage: string): string {
  return `--include='^${escapeName(stage)}$'`;
}

/** A generator's --include option that selects exactly these stages. */
export function includeAnyOf(stages: string[]): string {
  return stages.length === 1 ? includeOnly(stages[0]) : `--include='^(${stages.map(escapeName).join('|')})$'`;
}

function escapeName(stage: string): string {
  return stage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The command that pins (or re-pins) one stage's floating revs and external base. */
export function lockCommand(stage: string, update = false): string {
  return `${generatorCommand('lock')} ${includeOnly(stage)}${update ? ' --update' : ''}`;
}

/** The command that fetches every stage's source ahead of builds, with the workspace's name for the sources target. */
export function sourcesCommand(sourcesTarget: string): string {
  return `nx run-many -t ${sourcesTarget}`;
}
