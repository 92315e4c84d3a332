import type { SourcePin } from '../stage/pins';
import { resolveGitRepo } from '../sources/prepare';
import { definingFile } from '../stage/definition-files';
import type { Pinner, PinOutcome, PinRequest } from './pinner';
import { listRemoteRefs, type RemoteRefs } from './remote-refs';
import { resolveRev } from './resolve-rev';
import { parseRev, type Rev } from './rev';
import { concurrencyLimit } from '../util/concurrency';

interface SourceWant {
  git: string;
  rev: string;
  parsed: Rev;
  /** The repository as git is given it (relative paths resolved against the workspace root). */
  repo: string;
}

/** Repositories asked at once: enough to hide each one's latency, few enough to spare the machine and the servers. */
const MAX_REMOTES_AT_ONCE = 16;

/** Pins a git source's branch or semver range to a commit, asking `git ls-remote` once per repository. */
export const sourcePinner: Pinner<SourceWant, SourcePin> = {
  field: 'source',

  request(stage, { workspaceRoot }) {
    const source = stage.source;
    if (!source || !('git' in source)) return undefined;
    let parsed: Rev;
    try {
      parsed = parseRev(source.rev);
    } catch (error) {
      throw new Error(`${definingFile(stage)} at /source/rev: ${(error as Error).message}`);
    }
    if (parsed.kind === 'commit' || parsed.kind === 'tag') return undefined;
    return { git: source.git, rev: source.rev, parsed, repo: resolveGitRepo(source.git, workspaceRoot) };
  },

  answers(want, pin) {
    return pin.git === want.git && pin.rev === want.rev;
  },

  async resolve(requests) {
    const repos = [...new Set(requests.map((request) => request.want.repo))];
    const limit = concurrencyLimit(MAX_REMOTES_AT_ONCE);
    const listed = new Map<string, Promise<RemoteRefs>>(repos.map((repo) => [repo, limit(() => listRemoteRefs(repo))]));
    return Promise.all(requests.map((request) => resolveOne(request, listed.get(request.want.repo)!)));
  },

  same(a, b) {
    return a.git === b.git && a.rev === b.rev && a.ref === b.ref && a.commit === b.commit;
  },

  describe(pin) {
    return `${pin.rev} -> ${pin.commit.slice(0, 12)} (${pin.ref})`;
  },
};

async function resolveOne({ stage, want }: PinRequest<SourceWant>, refs: Promise<RemoteRefs>): Promise<PinOutcome<SourcePin>> {
  try {
    const resolved = resolveRev(want.parsed, await refs, want.repo);
    return resolved ? { git: want.git, rev: want.rev, ...resolved } : null;
  } catch (error) {
    return new Error(`${definingFile(stage)} at /source/rev: ${(error as Error).message}`);
  }
}
