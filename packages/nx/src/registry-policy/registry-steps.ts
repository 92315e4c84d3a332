/**
 * The registry half of ensuring a stage: take it from a registry instead of building
 * it (leave it there, pull it, or copy it from an upstream registry), pull the images a
 * build needs, and push what was built.
 */
import type { StagePlan } from '../key/plan';
import { loginHint } from '../registry/errors';
import type { StageEngine } from '../docker/stage-engine';
import { RegistryPrefix } from '../registry/reference';
import type { RemoteHit, StageRegistry } from './stage-registry';

/** The registry state of one batch run. */
export interface RegistryRun {
  store: StageRegistry;
  /** Where each tag the batch looked up is (tags not found are absent). */
  hits: Map<string, RemoteHit>;
  /** The workspace registry answered the lookup. */
  checked: boolean;
  /** Stages whose image this run needs locally: bases of stages it builds, what `run` needs, every stage with --pull. */
  needed: (stage: string) => boolean;
  /** Marks a stage's image as needed here (an upstream of a stage found to be built). */
  need: (stage: string) => void;
  /** Pulls in flight or done, by tag: the local image id, or undefined when the pull failed. */
  pulls: Map<string, Promise<string | undefined>>;
}

export type RegistryStatus = 'remote' | 'pulled' | 'copied';

export interface FromRegistry {
  status: RegistryStatus;
  /** Set when the image is now local. */
  imageId?: string;
  digest: string;
}

type Log = (line: string) => void;

/** Takes the stage from a registry when one holds it; undefined means: build it. */
export async function fromRegistry(plan: StagePlan, run: RegistryRun, engine: StageEngine, log: Log): Promise<FromRegistry | undefined> {
  const hit = run.hits.get(plan.tag);
  if (!hit) return undefined;
  let status: RegistryStatus = 'remote';
  if (hit.upstream && run.store.settings.push) {
    try {
      await run.store.copyToWorkspace(hit, plan.tag);
    } catch (error) {
      throw new Error(`copying ${hit.ref} into registry ${run.store.settings.registry} failed: ${(error as Error).message}`);
    }
    log(`copied ${hit.ref} into registry ${run.store.settings.registry}`);
    run.hits.set(plan.tag, { ...hit, registry: run.store.settings.registry, ref: plan.tag, upstream: false });
    status = 'copied';
  }
  if (!run.needed(plan.stage.name)) return { status, digest: hit.digest };
  const imageId = await pullTag(plan.tag, run, engine, log);
  if (!imageId) return undefined;
  return { status: status === 'copied' ? 'copied' : 'pulled', imageId, digest: hit.digest };
}

/**
 * Pulls a tag from where the lookup found it (once per run). An upstream image is pulled under
 * its upstream name and tagged with the workspace tag. A failed pull logs why and gives undefined:
 * the Engine tags only complete images, so nothing half-pulled is left behind.
 */
export function pullTag(tag: string, run: RegistryRun, engine: StageEngine, log: Log): Promise<string | undefined> {
  let pull = run.pulls.get(tag);
  if (!pull) {
    pull = (async () => {
      const hit = run.hits.get(tag);
      if (!hit) return undefined;
      try {
        const imageId = await engine.pull(hit.ref, await run.store.engineAuth(hit.ref));
        if (hit.ref !== tag) {
          await engine.tag(imageId, tag);
          await engine.removeImage(hit.ref);
        }
        log(`pulled ${hit.ref}`);
        return imageId;
      } catch (error) {
        log(`warning: ${(error as Error).message}; building it instead`);
        return undefined;
      }
    })();
    run.pulls.set(tag, pull);
  }
  return pull;
}

/** Pulls the upstream images a build needs that are not local; throws when one cannot be had. */
export async function pullUpstreams(plan: StagePlan, localImages: Map<string, string>, run: RegistryRun, engine: StageEngine, log: Log): Promise<void> {
  for (const [upstream, tag] of Object.entries(plan.imageUpstreamTags)) {
    if (localImages.has(tag) || !run.hits.has(tag)) continue;
    const imageId = await pullTag(tag, run, engine, (line) => log(`${line} (needed: ${upstream})`));
    if (imageId) localImages.set(tag, imageId);
  }
}

/** Pushes a local tag; a refusal names the registry and the fix, and says the image stays local. */
export async function pushTag(tag: string, run: RegistryRun, engine: StageEngine, log: Log): Promise<void> {
  const registry = run.store.settings.registry;
  try {
    await engine.push(tag, await run.store.engineAuth(tag));
  } catch (error) {
    throw new Error(
      `pushing ${tag} to registry ${registry} failed: ${(error as Error).message}. ` +
        `Fix: ${loginHint(RegistryPrefix.parse(registry).host)}, or check that the registry is reachable; the image stays in the local store as ${tag}`,
    );
  }
  log(`pushed to registry ${registry}`);
}

/** Push is on and the workspace registry answered that it lacks the tag: a present image goes up too (say, after a refused push). */
export function shouldPushPresent(tag: string, run: RegistryRun | undefined): run is RegistryRun {
  return Boolean(run && run.store.settings.push && run.checked && !run.hits.has(tag));
}
