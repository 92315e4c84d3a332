/**
 * The equivalence half of ensuring a stage (early cut-off): once a missing stage's upstreams are
 * done, its resolved key (its inputs, each upstream's key replaced by the output hash of what it
 * sees of that upstream) may name an image built earlier, here or on any machine that pushes to
 * the registry; that image then gets the stage's tag instead of a build. After a build, the
 * records that let others do the same are written. Any failure to read a record means: build.
 */
import type { Planner, StagePlan } from '../key/plan';
import type { StageGraph } from '../stage/graph';
import { ImageRef } from '../registry/reference';
import { differingPaths, entryDigests, exportsOutputHash, imageOutputHash } from '../equivalence/output-hash';
import { LocalRecords, type HashedOutput, type OutputRecord } from '../equivalence/local-records';
import { exportedPaths, observationOf, resolvedKeyOf, type Observation } from '../equivalence/resolved-key';
import {
  aliasTagOf,
  configDigestAt,
  type AliasedImage,
  findAlias,
  readOutputRecord,
  tagAliasedImage,
  writeAlias,
  writeOutputRecord,
} from '../equivalence/registry-records';
import type { ImageOutputReader, StageEngine } from '../docker/stage-engine';
import type { Equivalent, Observed, Resolution } from '../equivalence/resolution';
import { pullTag, type RegistryRun } from '../registry-policy/registry-steps';

type Log = (line: string) => void;

export interface EquivalenceDeps {
  planner: Planner;
  graph: StageGraph;
  engine: StageEngine;
  reader: ImageOutputReader;
  /** The install prefix: what a stage exports when its exports.copy is empty. */
  prefix: string;
  records: LocalRecords;
  localImages: Map<string, string>;
  registry?: RegistryRun;
  /** A warning about a stage (an output hash that could not be had). */
  warn: (stage: string, line: string) => void;
}

export type { Equivalent, Resolution } from '../equivalence/resolution';

/** The equivalence state of one batch run: output hashes are computed at most once per stage and kind. */
export class EquivalenceRun {
  private readonly observations = new Map<string, Promise<Observed>>();

  constructor(private readonly deps: EquivalenceDeps) {}

  /** The stage's resolved key, once its upstreams are done. */
  async resolve(plan: StagePlan): Promise<Resolution> {
    const name = plan.stage.name;
    const upstreams = this.deps.graph.upstreamOf(name);
    const observed = await Promise.all(upstreams.map((upstream) => this.observe(upstream, observationOf(this.deps.graph, name, upstream))));
    const upstream = Object.fromEntries(upstreams.map((upstreamName, index) => [upstreamName, observed[index]]));
    const resolvedKey = resolvedKeyOf(plan, Object.fromEntries(upstreams.map((upstreamName, index) => [upstreamName, observed[index].observed])));
    return { resolvedKey, upstream };
  }

  /** An image recorded for the resolved key: a local `ck-` tag, else the workspace registry's. Changes nothing. */
  async lookUp(plan: StagePlan, resolvedKey: string, log: Log): Promise<{ ref: string; localId?: string; image?: AliasedImage } | undefined> {
    const ref = aliasRefOf(plan.tag, resolvedKey);
    const localId = await this.deps.engine.imageIdOf(ref);
    if (localId) return { ref, localId };
    const run = this.deps.registry;
    if (!run?.checked) return undefined;
    const image = await findAlias(run.store.recordsAt(plan.tag), resolvedKey).catch((error: Error) => {
      log(`warning: the equivalence record ${ref} could not be read (${error.message}); building instead`);
      return undefined;
    });
    return image && { ref, image };
  }

  /**
   * The image recorded for the resolved key, given the stage's tag (locally, or by a manifest copy
   * in the registry when pushing); pulled only when this run needs it here. A dry run tags nothing
   * but lets the stage's dependents, resolved next, see that image.
   */
  async findEquivalent(plan: StagePlan, resolvedKey: string, log: Log, dryRun = false): Promise<Equivalent | undefined> {
    const found = await this.lookUp(plan, resolvedKey, log);
    if (!found) return undefined;
    if (found.localId) {
      if (!dryRun) await this.deps.engine.tag(found.localId, plan.tag);
      this.deps.localImages.set(plan.tag, found.localId);
      return { ref: found.ref, imageId: found.localId };
    }
    const run = this.deps.registry!;
    const image = found.image!;
    const pushing = run.store.settings.push && !dryRun;
    if (pushing) {
      try {
        await tagAliasedImage(run.store.recordsAt(plan.tag), image, ImageRef.parse(plan.tag).reference);
      } catch (error) {
        log(`warning: the registry refused the stage's tag for ${found.ref} (${(error as Error).message}); building instead`);
        return undefined;
      }
    }
    run.hits.set(plan.tag, { registry: run.store.settings.registry, ref: pushing ? plan.tag : found.ref, upstream: false, digest: image.digest });
    if (dryRun || !run.needed(plan.stage.name)) return { ref: found.ref, digest: image.digest };
    const imageId = await pullTag(plan.tag, run, this.deps.engine, log);
    if (!imageId) return undefined;
    this.deps.localImages.set(plan.tag, imageId);
    return { ref: found.ref, imageId, digest: image.digest };
  }

  /**
   * Of the missing stages whose upstreams are all here or in a registry, those no record answers:
   * they will be built, so their upstreams' images can be pulled at once (the others may turn out
   * equivalent and need none).
   */
  async surelyBuilt(stages: string[], isMissing: (plan: StagePlan) => boolean): Promise<string[]> {
    const answers = await Promise.all(
      stages.map(async (name) => {
        const plan = await this.deps.planner.plan(name).catch(() => undefined);
        if (!plan || !isMissing(plan)) return false;
        const upstreamPlans = await Promise.all(this.deps.graph.upstreamOf(name).map((upstream) => this.deps.planner.plan(upstream)));
        if (upstreamPlans.some(isMissing)) return false;
        const { resolvedKey } = await this.resolve(plan);
        return !(await this.lookUp(plan, resolvedKey, () => undefined));
      }),
    );
    return stages.filter((_, index) => answers[index]);
  }

  /** After a build: the local `ck-` tag and what the build was resolved against; the registry's `ck-` tag once pushed. */
  async recordBuilt(plan: StagePlan, imageId: string, resolution: Resolution, pushed: boolean): Promise<void> {
    // A forced rebuild gives the stage a new image: what was seen of the one it replaced no longer holds.
    for (const kind of ['image', 'exports']) this.observations.delete(`${kind}:${plan.stage.name}`);
    this.deps.records.recordBuild(plan.stage.name, { resolvedKey: resolution.resolvedKey, imageId, upstream: resolution.upstream });
    // Without upstream stages the resolved key changes exactly when the key does: an alias would add nothing.
    if (Object.keys(resolution.upstream).length === 0) return;
    await this.deps.engine.tag(imageId, aliasRefOf(plan.tag, resolution.resolvedKey));
    if (pushed && this.deps.registry) {
      await writeAlias(this.deps.registry.store.recordsAt(plan.tag), resolution.resolvedKey, ImageRef.parse(plan.tag).reference);
    }
  }

  /**
   * Starts computing what the stage's dependents will see of it, once it is available, so that
   * a stage several others copy from is read during its own job, not while they wait.
   */
  prefetch(stage: string): void {
    const { graph } = this.deps;
    const kinds = new Set<Observation>();
    for (const dependent of graph.order) {
      if (graph.upstreamOf(dependent).includes(stage)) kinds.add(observationOf(graph, dependent, stage));
    }
    for (const kind of kinds) this.observe(stage, kind).catch(() => undefined);
  }

  /**
   * Why a built stage had no equivalent image, in words for --explain: the upstreams whose output
   * changed since its last build here, and in which files.
   */
  whyBuilt(plan: StagePlan, resolution: Resolution): string[] {
    const last = this.deps.records.lastBuild(plan.stage.name);
    if (!last) return ['no image is recorded for its resolved key (no earlier build of it is recorded here)'];
    const reasons: string[] = [];
    for (const [upstream, now] of Object.entries(resolution.upstream)) {
      const before = last.upstream[upstream];
      if (!before || before.observed === now.observed) continue;
      reasons.push(this.outputChange(upstream, before, now));
    }
    return reasons.length ? reasons : ['no image is recorded for its resolved key (its own inputs changed)'];
  }

  private outputChange(upstream: string, before: Observed, now: Observed): string {
    const kind = now.observed.slice(0, now.observed.indexOf(':'));
    const what = kind === 'exports' ? 'exported files' : 'output';
    if (kind === 'key' || !before.observed.startsWith(`${kind}:`)) {
      return `upstream ${upstream}'s output hash is not known here, so its key stands in for it`;
    }
    const digestsOf = (observed: Observed) => {
      const record = observed.imageId ? this.deps.records.output(observed.imageId) : undefined;
      return (kind === 'exports' ? record?.exports : record?.image)?.digests;
    };
    const [old, current] = [digestsOf(before), digestsOf(now)];
    const paths = old && current ? differingPaths(old, current) : [];
    const listed = `${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ` and ${paths.length - 5} more` : ''}`;
    const where = paths.length ? ` (${listed} ${paths.length === 1 ? 'differs' : 'differ'})` : '';
    return (
      `upstream ${upstream}'s ${what} changed since this stage's last build${where}; ` +
      `when ${upstream}'s change should not have changed them, its build is not reproducible (a step writes the time, random data or a build path) and its dependents are built every time`
    );
  }

  /** How an upstream stands in a resolved key (memoised per run). */
  observe(stage: string, kind: Observation): Promise<Observed> {
    const memoKey = `${kind}:${stage}`;
    let observed = this.observations.get(memoKey);
    if (!observed) {
      observed = this.computeObserved(stage, kind);
      this.observations.set(memoKey, observed);
    }
    return observed;
  }

  private async computeObserved(stage: string, kind: Observation): Promise<Observed> {
    const plan = await this.deps.planner.plan(stage);
    const byKey = { observed: `key:${plan.key}` };
    try {
      const hash = await this.outputHash(plan, kind);
      return hash ? { observed: `${kind}:${hash.hash}`, imageId: hash.imageId } : byKey;
    } catch (error) {
      this.deps.warn(stage, `warning: its output hash could not be had (${(error as Error).message}); its key stands in for it`);
      return byKey;
    }
  }

  /** The output hash of the stage's image: recorded here, recorded in the registry, or computed from the local image. */
  private async outputHash(plan: StagePlan, kind: Observation): Promise<{ hash: string; imageId: string } | undefined> {
    const paths = exportedPaths(plan, this.deps.prefix);
    const fromRecord = (record: OutputRecord | undefined) => {
      const output = kind === 'image' ? record?.image : record?.exports;
      if (!output || (kind === 'exports' && record?.exports?.paths.join('\n') !== paths.join('\n'))) return undefined;
      return output.hash;
    };
    const run = this.deps.registry;
    const localId = this.deps.localImages.get(plan.tag) ?? (await this.deps.engine.imageIdOf(plan.tag));
    if (localId) {
      const recorded = fromRecord(this.deps.records.output(localId)) ?? (await this.registryOutput(plan.tag, kind, localId, paths));
      if (recorded) return { hash: recorded, imageId: localId };
      const computed = await this.computeOutput(plan, kind, localId, paths);
      this.deps.records.recordOutput(localId, kind === 'image' ? { image: computed } : { exports: { ...computed, paths } });
      if (run?.store.settings.push) {
        const record = { kind, configDigest: localId, hash: computed.hash, ...(kind === 'exports' ? { paths } : {}) };
        await writeOutputRecord(run.store.recordsAt(plan.tag), record).catch((error: Error) =>
          this.deps.warn(plan.stage.name, `warning: its output hash record could not be written to the registry (${error.message}); other machines build its dependents`),
        );
      }
      return { hash: computed.hash, imageId: localId };
    }
    const hit = run?.hits.get(plan.tag);
    if (!run || !hit || hit.upstream) return undefined;
    const configDigest = await configDigestAt(run.store.recordsAt(hit.ref), ImageRef.parse(hit.ref).reference);
    if (!configDigest) return undefined;
    const recorded = fromRecord(this.deps.records.output(configDigest)) ?? (await this.registryOutput(hit.ref, kind, configDigest, paths));
    return recorded ? { hash: recorded, imageId: configDigest } : undefined;
  }

  private async registryOutput(ref: string, kind: Observation, configDigest: string, paths: string[]): Promise<string | undefined> {
    const run = this.deps.registry;
    if (!run?.checked) return undefined;
    const record = await readOutputRecord(run.store.recordsAt(ref), kind, configDigest);
    if (!record || (kind === 'exports' && record.paths?.join('\n') !== paths.join('\n'))) return undefined;
    this.deps.records.recordOutput(configDigest, kind === 'image' ? { image: { hash: record.hash } } : { exports: { hash: record.hash, paths } });
    return record.hash;
  }

  private async computeOutput(plan: StagePlan, kind: Observation, imageId: string, paths: string[]): Promise<HashedOutput> {
    const { reader } = this.deps;
    if (kind === 'exports') {
      const read = await reader.pathEntries(imageId, paths);
      return { hash: exportsOutputHash(read), digests: entryDigests(read.flatMap((path) => path.entries ?? [])) };
    }
    const image = await reader.facts(imageId);
    if (!image) throw new Error(`image ${imageId} is gone`);
    const base = await this.baseOf(plan, image.diffIds);
    const own = await reader.ownFilesystem(image, base.layers);
    return { hash: imageOutputHash({ base: base.identity, own, config: image.config }), digests: entryDigests(own.entries.values()) };
  }

  /**
   * The image's base: of its upstream stages' images and its external images, the one whose layers
   * are the longest start of its own. Its identity in the hash is that stage's output hash, or the
   * external base's pinned digest; with none, every layer is the stage's own.
   */
  private async baseOf(plan: StagePlan, diffIds: string[]): Promise<{ identity: string; layers: number }> {
    const candidates: Array<{ identity: () => Promise<string>; ref: string }> = Object.entries(plan.imageUpstreamTags).map(([upstream, tag]) => ({
      ref: tag,
      identity: async () => (await this.observe(upstream, 'image')).observed,
    }));
    for (const external of plan.externalImages) {
      if (external.ref && external.digest) candidates.push({ ref: external.ref, identity: async () => `digest:${external.digest}` });
    }
    let best: { identity: () => Promise<string>; layers: number } | undefined;
    for (const candidate of candidates) {
      const facts = await this.deps.reader.facts(candidate.ref);
      const layers = facts?.diffIds ?? [];
      const isStart = layers.length <= diffIds.length && layers.every((diffId, index) => diffIds[index] === diffId);
      if (facts && isStart && (!best || layers.length > best.layers)) best = { identity: candidate.identity, layers: layers.length };
    }
    return best ? { identity: await best.identity(), layers: best.layers } : { identity: 'none', layers: 0 };
  }
}

/** The local and registry alias of the image built for a resolved key, in the stage's repository. */
export function aliasRefOf(tag: string, resolvedKey: string): string {
  return String(ImageRef.parse(tag).withTag(aliasTagOf(resolvedKey)));
}

