/**
 * A stage's url/git source as the unpacked tree its build context holds. A
 * cached tree is read once, as the context is packed, each file checked there
 * against the tree's manifest; a tree damaged in the cache fails that packing,
 * and is then unpacked again for one more build.
 */
import type { StagePlan } from '../key/plan';
import { prepareSource, type PreparedSource } from '../sources/prepare';
import { discardTree, manifestPathOf, treeIsIntact } from '../sources/tree-manifest';
import { definingFile } from '../stage/definition-files';
import { isRemoteSource, type TargetKind } from '../stage/types';
import { sourcesCommand } from '../identity/commands';

interface TreeDeps {
  workspaceRoot: string;
  cacheDir: string;
  /** The workspace's target names: a remote that cannot be reached names its sources target. */
  targetNames: Pick<Record<TargetKind, string>, 'sources'>;
}

/** The stage's source tree, with its manifest for the packing to check against; undefined for a stage without url/git source. */
export async function sourceTreeFor(plan: StagePlan, deps: TreeDeps): Promise<PreparedSource | undefined> {
  const remote = isRemoteSource(plan.stage.source) ? plan.stage.source : undefined;
  if (!remote) return undefined;
  return prepareSource(remote, {
    workspaceRoot: deps.workspaceRoot,
    cacheDir: deps.cacheDir,
    what: `${definingFile(plan.stage)} at /source`,
    commit: plan.keyDocument.source?.['commit'],
    sourcesCommand: sourcesCommand(deps.targetNames.sources),
    checkedByReader: true,
  });
}

/** After a failed build: the tree unpacked afresh when the cached one no longer matches its manifest, else undefined. */
export async function renewedIfDamaged(plan: StagePlan, deps: TreeDeps, tree: PreparedSource): Promise<PreparedSource | undefined> {
  if (!tree.recorded || (await treeIsIntact(tree.dir, manifestPathOf(tree.dir)))) return undefined;
  await discardTree(tree.dir);
  return sourceTreeFor(plan, deps);
}
