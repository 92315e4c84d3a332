import { posix } from 'node:path';
import { staticSourceIdentity } from '../key/static-source-identity';
import { definingFile } from '../stage/definition-files';
import { PIN_FILE_NAME } from '../stage/pins';
import type { Stage } from '../stage/types';
import { lockCommand, sourcesCommand } from '../identity/commands';
import { describeRev, parseRev } from '../lock/rev';

/**
 * What identifies a stage's git source in its key: a commit. An exact commit
 * or tag is looked up in the local mirror, as always; a floating rev (a branch
 * or a semver range) takes the commit pinned in the stage's stage.lock.json,
 * and nothing asks the remote. A floating rev without a pin is an error that
 * says how to pin it.
 */
export async function resolveSourceIdentity(stage: Stage, workspaceRoot: string, cacheDir: string, sourcesTarget: string) {
  const source = stage.source;
  if (!source || !('git' in source)) return staticSourceIdentity(stage);
  const where = `${definingFile(stage)} at /source/rev`;
  let rev;
  try {
    rev = parseRev(source.rev);
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`);
  }
  const pin = stage.pins?.source;
  const pinFile = posix.join(stage.root, PIN_FILE_NAME);
  if (rev.kind !== 'commit' && pin) {
    if (pin.git !== source.git || pin.rev !== source.rev) {
      throw new Error(
        `${pinFile} at /source: pins rev '${pin.rev}' of ${pin.git}, but ${where} asks for '${source.rev}' of ${source.git}; ` +
          `re-pin it with ${lockCommand(stage.name)}`,
      );
    }
    return { git: source.git, commit: pin.commit };
  }
  if (rev.kind === 'branch' || rev.kind === 'range') {
    throw new Error(`${where}: ${describeRev(rev)} floats and ${pinFile} pins no commit for it; pin it with ${lockCommand(stage.name)}`);
  }
  const { resolveGitRepo } = await import('../sources/prepare');
  const { NotExactRevError, resolveGitRev, withSourcesCommand } = await import('../sources/git');
  const exact = rev.kind === 'commit' ? rev.commit : rev.name;
  const repo = resolveGitRepo(source.git, workspaceRoot);
  try {
    return { git: source.git, commit: await resolveGitRev(repo, exact, cacheDir) };
  } catch (error) {
    if (rev.kind === 'name' && error instanceof NotExactRevError) {
      throw new Error(`${where}: '${rev.name}' is not a tag of ${repo}, and a branch floats: ${pinFile} pins no commit for it; pin it with ${lockCommand(stage.name)}`);
    }
    throw new Error(`${where}: ${withSourcesCommand(error, sourcesCommand(sourcesTarget)).message}`);
  }
}
