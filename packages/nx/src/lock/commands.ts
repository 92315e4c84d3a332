/** The command that pins (or re-pins) one stage's floating revs and external base. */
export function lockCommand(stage: string, update = false): string {
  return `nx g @stagecraft/nx:lock --include='^${stage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$'${update ? ' --update' : ''}`;
}

/** The command that fetches every stage's source ahead of builds. */
export const SOURCES_COMMAND = 'nx run-many -t sources';
