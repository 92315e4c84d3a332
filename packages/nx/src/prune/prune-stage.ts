/** prune: a stage's images that are not current go, locally and (with a registry) there too. */
import { ImageRef } from '../registry/reference';
import type Docker from 'dockerode';
import { imagesUsedByContainers, listStageImages, removeStageImage } from './local-images';
import { selectImages, type StageImage } from './select';

/** The registry side of a prune: deletes the manifests of tags, by digest. */
export interface RegistryPruner {
  /** The tags the registry holds for the stage. */
  listTags(): Promise<string[]>;
  /** Deletes each tag's manifest (by digest), never one a kept tag also names; returns how many went, or why none could. */
  deleteTags(tags: string[], keptTags: string[], dryRun: boolean): Promise<{ deleted: string[]; refusal?: string }>;
}

export interface PruneRequest {
  stage: string;
  /** The stage's current tag, as planned now. */
  currentTag: string;
  keep: number;
  dryRun: boolean;
  registry?: RegistryPruner;
}

export interface PruneReport {
  removed: StageImage[];
  kept: StageImage[];
  inUse: StageImage[];
  bytesFreed: number;
  registryDeleted: string[];
  /** The registry refuses deletion (405): one message for the run, not a failure. */
  registryRefusal?: string;
  /** The registry part failed (unreachable, refused credentials) after the local part was done. */
  registryFailure?: string;
}

export async function pruneStage(docker: Docker, request: PruneRequest): Promise<PruneReport> {
  const repository = ImageRef.parse(request.currentTag).repository;
  const [images, used] = await Promise.all([listStageImages(docker, request.stage, repository), imagesUsedByContainers(docker)]);
  const selection = selectImages(images, request.currentTag, request.keep, used);
  let bytesFreed = 0;
  for (const image of selection.remove) bytesFreed += request.dryRun ? image.size : await removeStageImage(docker, image);

  const report: PruneReport = { removed: selection.remove, kept: selection.keep, inUse: selection.inUse, bytesFreed, registryDeleted: [] };
  if (request.registry) {
    const keptTags = [request.currentTag, ...selection.keep.flatMap((image) => image.tags), ...selection.inUse.flatMap((image) => image.tags)].map((tag) => ImageRef.parse(tag).reference);
    const keptRecent = new Set(keptTags);
    try {
      const remote = (await request.registry.listTags()).filter((tag) => !keptRecent.has(tag));
      const outcome = await request.registry.deleteTags(remote, [...keptRecent], request.dryRun);
      report.registryDeleted = outcome.deleted;
      report.registryRefusal = outcome.refusal;
    } catch (error) {
      report.registryFailure = (error as Error).message;
    }
  }
  return report;
}

/** The summary lines of a prune. */
export function describePrune(stage: string, report: PruneReport, dryRun: boolean): string[] {
  const verb = dryRun ? 'would remove' : 'removed';
  const lines = report.removed.map((image) => `${stage}: ${verb} ${image.tags.join(', ')} (${formatBytes(image.size)})`);
  for (const image of report.inUse) lines.push(`${stage}: kept ${image.tags.join(', ')}: a container uses it`);
  for (const tag of report.registryDeleted) lines.push(`${stage}: ${verb} ${tag} in the registry`);
  if (report.registryRefusal) lines.push(`${stage}: warning: ${report.registryRefusal}`);
  if (report.registryFailure) lines.push(`${stage}: the registry part of the prune failed (the local part is done): ${report.registryFailure}`);
  lines.push(
    `${stage}: ${verb} ${report.removed.length} local image(s), ${formatBytes(report.bytesFreed)} ${dryRun ? 'to free' : 'freed'}; ` +
      `${report.registryDeleted.length} registry manifest(s); kept ${report.kept.length} image(s)`,
  );
  return lines;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
