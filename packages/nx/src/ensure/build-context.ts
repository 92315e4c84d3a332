import { posix, join } from 'node:path';
import { readlinkSync } from 'node:fs';
import fg from 'fast-glob';
import type { ContextEntry } from '../docker/context';
import type { StagePlan } from '../key/plan';
import type { PreparedSource } from '../sources/prepare';
import type { RecordedEntry } from '../sources/tree-manifest';
import { verifiedPackageFiles } from './package-provenance';
import { definingFile } from '../stage/definition-files';

const SOURCE_DIR = 'source';

/**
 * The build context of a stage as tar entries: the rendered Dockerfile, the
 * generated files, the stage's own files, and (for url/git sources) the
 * unpacked source tree under source/. `packageTarget` is the target that makes
 * upstream packages, for the messages about them.
 */
export async function buildContextEntries(
  plan: StagePlan,
  workspaceRoot: string,
  sourceTree: PreparedSource | undefined,
  dockerfile: string,
  packageTarget: string,
): Promise<ContextEntry[]> {
  const entries: ContextEntry[] = [{ path: 'Dockerfile', mode: 0o644, source: { content: dockerfile } }];
  for (const [path, content] of Object.entries(plan.generated)) {
    entries.push({ path, mode: 0o644, source: { content } });
  }
  // The content the key was computed from: packing checks each file against it.
  const keyed = new Map(plan.keyDocument.context.map((file) => [file.path, file.sha256]));
  for (const file of await plan.contextFiles()) {
    const full = join(workspaceRoot, file.file);
    const sha256 = keyed.get(file.contextPath);
    entries.push(
      file.mode === 'symlink'
        ? { path: file.contextPath, mode: 0o777, source: { symlink: readlinkSync(full), sha256 } }
        : { path: file.contextPath, mode: file.mode === '755' ? 0o755 : 0o644, source: { file: full, sha256 } },
    );
  }
  if (sourceTree) entries.push(...(sourceTree.recorded ? recordedTreeEntries(sourceTree.dir, sourceTree.recorded, SOURCE_DIR) : await treeEntries(sourceTree.dir, SOURCE_DIR)));
  if (plan.stage.consumePackages) entries.push(...consumedPackageEntries(plan, workspaceRoot, packageTarget));
  const copiesSource = plan.stage.build.type !== 'dockerfile' && plan.stage.build.type !== 'aggregate';
  if (copiesSource && !entries.some((entry) => entry.path.startsWith(SOURCE_DIR + '/'))) {
    entries.push({ path: SOURCE_DIR, mode: 0o755, source: { directory: true } });
  }
  return entries;
}

/**
 * The upstream package files a package-consuming stage installs:
 * packages/<upstream>/<file>, each checked against its provenance record (and
 * again, by its sha256, as the context is packed).
 */
function consumedPackageEntries(plan: StagePlan, workspaceRoot: string, packageTarget: string): ContextEntry[] {
  return plan.stage.depends.flatMap((upstream) =>
    verifiedPackageFiles(workspaceRoot, upstream, plan.keyDocument.upstream[upstream], packageTarget).map(
      ({ file, sha256 }): ContextEntry => ({
        path: posix.join('packages', upstream, posix.basename(file)),
        mode: 0o644,
        source: { file: join(workspaceRoot, file), sha256 },
      }),
    ),
  );
}

/**
 * A Dockerfile stage's downloads at their context paths, taken from the
 * content-addressed store by sha256 (fetched into it first when missing, as
 * the `sources` target does ahead of builds) and checked again as packed.
 */
export async function downloadEntries(plan: StagePlan, cacheDir: string, workspaceRoot: string): Promise<ContextEntry[]> {
  const { fetchArchive } = await import('../sources/fetch-archive');
  const { resolveSourceUrl } = await import('../sources/prepare');
  const downloads = plan.stage.build.downloads ?? [];
  return Promise.all(
    downloads.map(async (download, index): Promise<ContextEntry> => {
      const what = `${definingFile(plan.stage)} at /build/downloads/${index}`;
      const file = await fetchArchive(resolveSourceUrl(download.url, workspaceRoot), download.sha256, cacheDir, what);
      return { path: download.path, mode: 0o644, source: { file, sha256: download.sha256 } };
    }),
  );
}

/** A cached tree as its manifest recorded it: packing checks each file against its recorded sha256 (links go in as recorded), so the tree is read once. */
function recordedTreeEntries(dir: string, recorded: RecordedEntry[], prefix: string): ContextEntry[] {
  return recorded.flatMap((entry): ContextEntry[] => {
    const path = posix.join(prefix, entry.path);
    if (entry.kind === 'link') return [{ path, mode: 0o777, source: { symlink: entry.target } }];
    if (entry.kind === 'file') return [{ path, mode: entry.executable ? 0o755 : 0o644, source: { file: join(dir, entry.path), sha256: entry.sha256 } }];
    return [];
  });
}

async function treeEntries(dir: string, prefix: string): Promise<ContextEntry[]> {
  const files = await fg('**/*', { cwd: dir, dot: true, onlyFiles: false, followSymbolicLinks: false, stats: true });
  const entries: ContextEntry[] = [];
  for (const file of files) {
    const stats = file.stats!;
    const path = posix.join(prefix, file.path);
    const full = join(dir, file.path);
    if (stats.isSymbolicLink()) entries.push({ path, mode: 0o777, source: { symlink: readlinkSync(full) } });
    else if (stats.isFile()) entries.push({ path, mode: stats.mode & 0o111 ? 0o755 : 0o644, source: { file: full } });
  }
  return entries;
}
