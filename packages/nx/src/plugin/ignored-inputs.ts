import { shellJoin } from '../render/shell';
import type { Stage } from '../stage/types';
import { declaredInputPaths } from '../stage/input-globs';

/**
 * An Nx runtime input that covers what `{projectRoot}/**\/*` cannot: the
 * gitignored files the key still hashes (in the stage directory and under its
 * declared input globs). Nx's file inputs skip gitignored files, so without this
 * a cached stage-plan, tag-check or package would replay a stale answer when
 * one changes. It prints each such file's sha256 and path; git and sha256sum
 * keep it cheap, and it prints nothing outside a git checkout.
 */
export function ignoredFilesInput(stage: Stage): { runtime: string } {
  const pathspecs = [stage.root, ...declaredInputPaths(stage).map((glob) => `:(glob)${glob}`), ':(exclude,glob)**/node_modules/**'];
  const list = shellJoin(['git', 'ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--', ...pathspecs]);
  return { runtime: `${list} 2>/dev/null | LC_ALL=C sort -z | xargs -0 -r sha256sum -- 2>&1 || true` };
}
