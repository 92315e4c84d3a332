import { isLocalSource, type Stage } from '../stage/types';

/** What identifies a source without asking anything: an archive's sha256, or a git repository and rev as written. */
export async function staticSourceIdentity(stage: Stage): Promise<Record<string, string> | null> {
  const source = stage.source;
  if (!source || isLocalSource(source)) return null;
  if ('url' in source) return { sha256: source.sha256.toLowerCase() };
  return { git: source.git, rev: source.rev };
}
