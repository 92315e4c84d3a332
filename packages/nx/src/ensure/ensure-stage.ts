import { cpus } from 'node:os';
import { join } from 'node:path';
import { stageLabels } from '../docker/labels';
import { buildArgValues } from '../dockerfile/dockerfile-args';
import { KEY_FORMAT } from '../key/key';
import type { KeyHistory } from './key-history';
import { isRemoteSource, type NetworkMode, type TargetKind } from '../stage/types';
import { failedRunHint, networkOf } from '../stage/network';
import { proxyBuildArgs } from './proxy-build-args';
import type { Planner, StagePlan } from '../key/plan';
import { writeStageManifest, type StageManifest } from '../report/manifest';
import type { StageOutcome, StageStatus } from '../report/outcome';
import { rebuildReasons } from './rebuild-reasons';
import { withTagLock } from './tag-lock';
import type { StageEngine } from '../docker/stage-engine';
import { fromRegistry, pullUpstreams, pushTag, shouldPushPresent, type RegistryRun } from '../registry-policy/registry-steps';
import { ImageRef } from '../registry/reference';
import { decideStage } from './stage-decision';
import type { Equivalent, EquivalenceRun, Resolution } from './equivalence-steps';

export interface EnsureStageDeps {
  engine: StageEngine;
  planner: Planner;
  workspaceRoot: string;
  /** Stagecraft's store of sources and git mirrors. */
  cacheDir: string;
  /** Local tags with their image ids, listed once per run and updated as stages are built. */
  localImages: Map<string, string>;
  /** Rebuild this stage even when present, without Docker's layer cache. */
  isForced: (stage: string) => boolean;
  /** Say which inputs changed since the stage's last build (--explain). */
  explain: boolean;
  history: KeyHistory;
  /** The configured target names, for messages that say which target to run. */
  targetNames: Record<TargetKind, string>;
  /** Offer BuildKit the stage's earlier images as cache (set when a registry holds them). */
  cacheFromEarlierTags?: boolean;
  log: (stage: string, line: string) => void;
  /** Set when a registry is configured. */
  registry?: RegistryRun;
  /** Set when equivalence is on: a missing stage may take an image built for the same resolved key. */
  equivalence?: EquivalenceRun;
  /** Aborted when the run is cancelled: a build in flight stops, a lock wait ends. */
  signal?: AbortSignal;
}

/**
 * Makes sure the image with the stage's content tag exists: present locally
 * means done; otherwise the stage is built through the Engine and tagged only
 * when the build succeeded.
 */
export async function ensureStage(name: string, deps: EnsureStageDeps): Promise<StageOutcome> {
  const started = Date.now();
  let plan: StagePlan | undefined;
  try {
    plan = await deps.planner.plan(name);
    for (const notice of plan.notices) deps.log(name, notice);
    const log = (line: string) => deps.log(name, line);
    const present = deps.localImages.get(plan.tag);
    const decision = decideStage({ forced: deps.isForced(name), local: present !== undefined, hit: deps.registry?.hits.get(plan.tag) });
    if (decision.action === 'use-local') {
      if (deps.explain) log(`image present: ${plan.tag}; nothing to rebuild`);
      if (shouldPushPresent(plan.tag, deps.registry)) await pushTag(plan.tag, deps.registry, deps.engine, log);
      const durationMs = Date.now() - started;
      writeStageManifest(deps.workspaceRoot, manifestOf(plan, present, 'present', durationMs));
      return { stage: name, status: 'present', tag: plan.tag, durationMs };
    }
    const fetched = decision.action === 'use-registry' ? await fromRegistry(plan, deps.registry!, deps.engine, log) : undefined;
    if (fetched) {
      if (fetched.imageId) deps.localImages.set(plan.tag, fetched.imageId);
      const durationMs = Date.now() - started;
      writeStageManifest(deps.workspaceRoot, { ...manifestOf(plan, fetched.imageId, fetched.status, durationMs), digest: fetched.digest });
      return { stage: name, status: fetched.status, tag: plan.tag, durationMs };
    }
    const resolution = deps.equivalence && (await resolveFor(plan, deps.equivalence, log));
    const built = await withTagLock(join(deps.cacheDir, 'locks'), plan.tag, async () => {
      // Another run may have built this tag while we waited for the lock.
      const builtMeanwhile = deps.isForced(name) ? undefined : await deps.engine.imageIdOf(plan!.tag);
      if (builtMeanwhile) return { imageId: builtMeanwhile, status: 'present' as const };
      const equivalent = resolution && !deps.isForced(name) ? await deps.equivalence!.findEquivalent(plan!, resolution.resolvedKey, log) : undefined;
      if (equivalent) return { imageId: equivalent.imageId, status: 'equivalent' as const, equivalent };
      if (deps.explain) explainRebuild(plan!, deps, resolution);
      if (deps.registry) await pullUpstreams(plan!, deps.localImages, deps.registry, deps.engine, log);
      const imageId = await build(plan!, deps);
      deps.history.record(name, plan!.keyDocument, plan!.tag);
      return { imageId, status: 'built' as const };
    }, deps.signal);
    if (built.status === 'equivalent') return await tookEquivalent(plan, resolution!, built.equivalent, deps, log, started);
    deps.localImages.set(plan.tag, built.imageId);
    const pushing = built.status === 'built' && Boolean(deps.registry?.store.settings.push);
    if (pushing) await pushTag(plan.tag, deps.registry!, deps.engine, log);
    if (built.status === 'built' && resolution) {
      await recordBuilt(plan, built.imageId, resolution, pushing, deps, log);
      deps.equivalence!.prefetch(name);
    }
    // A forced rebuild moved the tag (and its equivalence alias): the image it replaced would linger untagged.
    if (built.status === 'built' && present && present !== built.imageId) await deps.engine.removeImage(present);
    const durationMs = Date.now() - started;
    writeStageManifest(deps.workspaceRoot, { ...manifestOf(plan, built.imageId, built.status, durationMs), ...(resolution && { resolvedKey: resolution.resolvedKey }) });
    return { stage: name, status: built.status, tag: plan.tag, durationMs };
  } catch (error) {
    return { stage: name, status: 'failed', tag: plan?.tag, durationMs: Date.now() - started, message: (error as Error).message };
  }
}

function explainRebuild(plan: StagePlan, deps: EnsureStageDeps, resolution: Resolution | undefined): void {
  const name = plan.stage.name;
  for (const reason of rebuildReasons(plan.keyDocument, deps.history.last(name), deps.isForced(name))) deps.log(name, `rebuilding: ${reason}`);
  if (resolution && deps.equivalence && !deps.isForced(name)) {
    for (const reason of deps.equivalence.whyBuilt(plan, resolution)) deps.log(name, `not equivalent: ${reason}`);
  }
}

/** The resolved key, or undefined (then the stage is built as without equivalence) when it cannot be had. */
async function resolveFor(plan: StagePlan, equivalence: EquivalenceRun, log: (line: string) => void): Promise<Resolution | undefined> {
  try {
    return await equivalence.resolve(plan);
  } catch (error) {
    log(`warning: its resolved key could not be computed (${(error as Error).message}); building it`);
    return undefined;
  }
}

/** The stage took the image recorded for its resolved key (given its tag already): push it when pushing, say so, write its manifest. */
async function tookEquivalent(plan: StagePlan, resolution: Resolution, found: Equivalent, deps: EnsureStageDeps, log: (line: string) => void, started: number): Promise<StageOutcome> {
  if (deps.explain) log(`equivalent: ${found.ref} was built for the same inputs and the same upstream outputs (resolved key ${resolution.resolvedKey.slice(0, 16)}); no build`);
  if (found.imageId && shouldPushPresent(plan.tag, deps.registry)) await pushTag(plan.tag, deps.registry, deps.engine, log);
  const durationMs = Date.now() - started;
  const manifest = manifestOf(plan, found.imageId, 'equivalent', durationMs);
  writeStageManifest(deps.workspaceRoot, { ...manifest, digest: found.digest, resolvedKey: resolution.resolvedKey, equivalentTo: found.ref });
  return { stage: plan.stage.name, status: 'equivalent', tag: plan.tag, durationMs };
}

/** The records that let later runs, here and (when pushing) elsewhere, take this image as equivalent. A failure only warns. */
async function recordBuilt(plan: StagePlan, imageId: string, resolution: Resolution, pushed: boolean, deps: EnsureStageDeps, log: (line: string) => void): Promise<void> {
  try {
    await deps.equivalence!.recordBuilt(plan, imageId, resolution, pushed);
  } catch (error) {
    log(`warning: the equivalence records of this build could not be written (${(error as Error).message}); later runs build its dependents as usual`);
  }
}

async function build(plan: StagePlan, deps: EnsureStageDeps): Promise<string> {
  // Loaded only when something is built, so a no-op run never pays for them.
  const { packContext } = await import('../docker/context');
  const { sourceTreeFor, renewedIfDamaged } = await import('./source-tree');
  const { buildContextEntries, downloadEntries } = await import('./build-context');
  const stage = plan.stage;
  const remote = isRemoteSource(stage.source) ? stage.source : undefined;
  const sourceTree = await sourceTreeFor(plan, deps);
  const source = remote ? ('url' in remote ? remote.url : remote.git) : undefined;
  const rev = plan.keyDocument.source?.['commit'] ?? plan.keyDocument.source?.['rev'];
  const labels = stageLabels({ stage: stage.name, key: plan.key, keyFormat: KEY_FORMAT, rev, source });
  const { dockerfileForBuild } = await import('./build-base');
  const planned = await dockerfileForBuild(plan, deps.engine, deps.registry?.store, deps.targetNames.mirror);
  const dockerfile = `${planned.trimEnd()}\n${labelInstruction(labels)}\n`;
  const downloads = await downloadEntries(plan, deps.cacheDir, deps.workspaceRoot);
  let entries = [...(await buildContextEntries(plan, deps.workspaceRoot, sourceTree, dockerfile, deps.targetNames.package)), ...downloads];
  const network = networkOf(stage);
  const buildOnce = (noCache: boolean) =>
    deps.engine.build({
      tag: plan.tag,
      context: packContext(entries),
      labels: {},
      buildArgs: { ...machineBuildArgs(plan.dockerfile, network), ...buildArgValues(stage.build.args) },
      network,
      noCache,
      // The key names the platform, so the build must target it too.
      platform: plan.keyDocument.platform,
      onLine: (line) => deps.log(stage.name, line),
      upstreamRefs: new Map(Object.entries(plan.imageUpstreamTags).map(([upstream, tag]) => [tag, upstream])),
      upstreamTarget: deps.targetNames.dockerStage,
      cacheFrom: deps.cacheFromEarlierTags ? earlierTags(plan, deps) : undefined,
      signal: deps.signal,
    });
  const noCache = deps.isForced(stage.name);
  // A source tree damaged in the cache fails as it is packed: unpacked again, it gets one more build.
  const buildFromIntactSource = (noCache: boolean) =>
    buildOnce(noCache).catch(async (error: unknown) => {
      const renewed = sourceTree && (await renewedIfDamaged(plan, deps, sourceTree));
      if (!renewed) throw error;
      entries = [...(await buildContextEntries(plan, deps.workspaceRoot, renewed, dockerfile, deps.targetNames.package)), ...downloads];
      return buildOnce(noCache);
    });
  const result = await buildFromIntactSource(noCache)
    .catch(async (error: unknown) => {
      const { isPlatformMismatch } = await import('../docker/image-platform');
      if (noCache || !isPlatformMismatch(error)) throw error;
      deps.log(stage.name, `the layer cache gave an image for ${error.got}, not ${error.wanted}: building again without it`);
      return buildOnce(true);
    })
    .catch(async (error: unknown) => {
      const { failedInRun } = await import('../docker/build');
      const hint = failedInRun(error) && failedRunHint(stage, error.engineMessage);
      if (hint) (error as Error).message += `\n${hint}`;
      throw error;
    });
  return result.imageId;
}

/** The stage's earlier images: the tags its last builds recorded, and the ones of its repository present here. */
function earlierTags(plan: StagePlan, deps: EnsureStageDeps): string[] {
  const repository = `${ImageRef.parse(plan.tag).repository}:`;
  const local = [...deps.localImages.keys()].filter((tag) => tag.startsWith(repository)).sort().reverse();
  return [...new Set([...deps.history.previousTags(plan.stage.name), ...local])].filter((tag) => tag !== plan.tag).slice(0, 3);
}

/**
 * All labels in one LABEL instruction of the built Dockerfile (after the key
 * was computed, so the key never contains itself). The build API's labels
 * option would cost the legacy builder one extra step per label.
 */
export function labelInstruction(labels: Record<string, string>): string {
  const pairs = Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, value]) => `${JSON.stringify(name)}=${JSON.stringify(value)}`);
  return `LABEL ${pairs.join(' ')}`;
}

/**
 * Values that differ per machine and never change the result: the make -j
 * count, and for a networked build the proxy settings. They reach the build as
 * build args, outside the key. A build without network gets no proxy: it could not use one.
 */
export function machineBuildArgs(dockerfile: string, network: NetworkMode, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return {
    ...(/^ARG JOBS\b/m.test(dockerfile) && { JOBS: String(cpus().length) }),
    ...(network !== 'none' && proxyBuildArgs(env)),
  };
}

function manifestOf(plan: StagePlan, imageId: string | undefined, status: StageManifest['status'], durationMs: number): StageManifest {
  return { stage: plan.stage.name, tag: plan.tag, imageId, key: plan.key, status, durationMs, keyDocument: plan.keyDocument };
}
