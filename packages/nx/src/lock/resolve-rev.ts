import { maxSatisfying, valid } from 'semver';
import type { RemoteRefs } from './remote-refs';
import type { Rev } from './rev';

/** What a floating rev resolved to: the full ref name and its commit. */
export interface ResolvedRev {
  ref: string;
  commit: string;
}

/**
 * Resolves a rev against a repository's refs. Returns undefined for a rev that
 * needs no pin (an exact commit or tag, or a name that is a tag); throws when
 * nothing in the repository answers it.
 */
export function resolveRev(rev: Rev, refs: RemoteRefs, repo: string): ResolvedRev | undefined {
  switch (rev.kind) {
    case 'commit':
    case 'tag':
      return undefined;
    case 'name':
      if (refs.tags.has(rev.name)) return undefined;
      return branch(rev.name, refs, repo, `neither a tag nor a branch of ${repo}`);
    case 'branch':
      return branch(rev.name, refs, repo, `not a branch of ${repo}`);
    case 'range':
      return highestTagIn(rev.range, refs, repo);
  }
}

function branch(name: string, refs: RemoteRefs, repo: string, problem: string): ResolvedRev {
  const commit = refs.branches.get(name);
  if (!commit) throw new Error(`'${name}' is ${problem}${closeBranches(name, refs)}`);
  return { ref: `refs/heads/${name}`, commit };
}

function closeBranches(name: string, refs: RemoteRefs): string {
  const names = [...refs.branches.keys()].sort();
  if (!names.length) return ' (it has no branches)';
  const shown = names.slice(0, 10).join(', ');
  return ` (its branches: ${shown}${names.length > 10 ? ', ...' : ''})`;
}

/**
 * The tag with the highest version in the range. Tags count when they are
 * semver versions with or without a leading `v`; pre-releases only when the
 * range names a pre-release of the same version (semver's own rule).
 */
function highestTagIn(range: string, refs: RemoteRefs, repo: string): ResolvedRev {
  const tagsByVersion = new Map<string, string>();
  for (const tag of [...refs.tags.keys()].sort()) {
    const version = valid(tag);
    if (version && !tagsByVersion.has(version)) tagsByVersion.set(version, tag);
  }
  const best = maxSatisfying([...tagsByVersion.keys()], range);
  if (!best) {
    const versions = [...tagsByVersion.values()];
    const known = versions.length ? `its version tags: ${versions.slice(-10).join(', ')}` : 'it has no version tags';
    throw new Error(`no tag of ${repo} satisfies the semver range '${range}' (${known})`);
  }
  const tag = tagsByVersion.get(best)!;
  return { ref: `refs/tags/${tag}`, commit: refs.tags.get(tag)! };
}
