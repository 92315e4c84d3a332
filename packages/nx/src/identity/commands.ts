import { generatorCommand } from './identity';

/** A generator's --include option that selects exactly one stage. */
export function includeOnly(stage: string): string {
  return `--include='^${stage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$'`;
}

/** The command that pins (or re-pins) one stage's floating revs and external base. */
export function lockCommand(stage: string, update = false): string {
  return `${generatorCommand('lock')} ${includeOnly(stage)}${update ? ' --update' : ''}`;
}

/** The command that fetches every stage's source ahead of builds. */
export const SOURCES_COMMAND = 'nx run-many -t sources';
