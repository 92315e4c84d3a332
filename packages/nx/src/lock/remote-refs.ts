import { runCommand } from '../util/process';
import { GIT_ENV, GIT_SAFETY } from '../sources/git';

/** A repository's branches and tags, each with the commit it points at (annotated tags peeled). */
export interface RemoteRefs {
  branches: Map<string, string>;
  tags: Map<string, string>;
}

/** Asks the repository itself (`git ls-remote`) for its branches and tags. */
export async function listRemoteRefs(repo: string): Promise<RemoteRefs> {
  const result = await runCommand('git', [...GIT_SAFETY, 'ls-remote', '--heads', '--tags', '--', repo], { env: GIT_ENV });
  if (result.code !== 0) {
    const lines = result.stderr.trim().split('\n').filter(Boolean);
    const reason = lines.find((line) => line.startsWith('fatal:')) ?? lines[0] ?? `git ls-remote exited with status ${result.code}`;
    throw new Error(`could not reach ${repo}: ${reason}`);
  }
  return parseLsRemote(result.stdout);
}

/** Parses `git ls-remote` output: `<commit>\t<ref>` lines, `^{}` lines giving a tag's commit. */
export function parseLsRemote(output: string): RemoteRefs {
  const branches = new Map<string, string>();
  const tags = new Map<string, string>();
  const peeled = new Map<string, string>();
  for (const line of output.split('\n')) {
    const [object, ref] = line.trim().split('\t');
    if (!object || !ref) continue;
    if (ref.startsWith('refs/heads/')) branches.set(ref.slice('refs/heads/'.length), object);
    else if (ref.startsWith('refs/tags/') && ref.endsWith('^{}')) peeled.set(ref.slice('refs/tags/'.length, -3), object);
    else if (ref.startsWith('refs/tags/')) tags.set(ref.slice('refs/tags/'.length), object);
  }
  for (const [tag, commit] of peeled) tags.set(tag, commit);
  return { branches, tags };
}
