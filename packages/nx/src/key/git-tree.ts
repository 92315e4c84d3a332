import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type GitTreeState = { tree: string } | { fallback: string };

/**
 * The git tree id of `dir` at HEAD, standing in for its files (git-commit hash
 * mode: no file is read). A directory with uncommitted or untracked changes, or
 * outside a git work tree, gives a reason to fall back to hashing content.
 */
export async function gitTreeOf(workspaceRoot: string, dir: string): Promise<GitTreeState> {
  try {
    const [status, tree] = await Promise.all([
      git(workspaceRoot, ['status', '--porcelain', '--untracked-files=all', '--', dir]),
      git(workspaceRoot, ['rev-parse', `HEAD:${dir}`]),
    ]);
    if (status.trim()) {
      const changed = status.trim().split('\n').length;
      return { fallback: `${dir} has ${changed} uncommitted change${changed === 1 ? '' : 's'}` };
    }
    return { tree: tree.trim() };
  } catch (error) {
    return { fallback: `${dir} is not committed in a git repository (${firstLine(error)})` };
  }
}

/** The files git tracks under `dir`, with git's modes: what a clean tree's build context holds. */
export async function gitTrackedFiles(workspaceRoot: string, dir: string): Promise<Array<{ path: string; mode: '644' | '755' | 'symlink' }>> {
  const listing = await git(workspaceRoot, ['ls-files', '-z', '--stage', '--', dir]);
  return listing
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [info, path] = line.split('\t');
      const mode = info.split(' ')[0];
      return { path, mode: mode === '120000' ? 'symlink' : mode === '100755' ? '755' : '644' } as const;
    });
}

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

function firstLine(error: unknown): string {
  return String((error as { stderr?: string }).stderr || (error as Error).message).trim().split('\n')[0];
}
