/** Before any build of a batch: ask the registries about every stage that is not local, at once. */
import { decideStage } from '../ensure/stage-decision';
import type { Planner } from '../key/plan';
import type { StageGraph } from '../stage/graph';
import type { RegistryRun } from './registry-steps';
import type { StageRegistry } from './stage-registry';

export interface LookupRequest {
  store: StageRegistry;
  projects: string[];
  planner: Planner;
  graph: StageGraph;
  localImages: Map<string, string>;
  isForced: (stage: string) => boolean;
  /** Stages whose image the caller needs locally (`run`, `package`). */
  needImages: string[];
  warn: (line: string) => void;
  /** A missing stage may turn out equivalent: its upstreams are pulled only when it does build (pullUpstreams). */
  equivalence?: boolean;
}

/**
 * Looks up every stage of the batch that is missing locally (and, when pushing, every present
 * one, so an image whose push failed earlier goes up now), and works out which images this run
 * needs locally: the bases of the stages it will build (with equivalence, of the forced ones only:
 * the others may take an equivalent image, see EquivalenceRun.surelyBuilt), what the caller
 * asked for, or all with --pull.
 */
export async function lookUpRegistry(request: LookupRequest): Promise<RegistryRun> {
  const { store, projects, planner, graph, localImages, isForced } = request;
  const tags = new Map<string, string>();
  await Promise.all(
    projects.map(async (project) => {
      // A stage whose plan fails reports that failure in its own task.
      const plan = await planner.plan(project).catch(() => undefined);
      if (plan) tags.set(project, plan.tag);
    }),
  );
  const toLookUp = projects.filter((project) => {
    const tag = tags.get(project);
    if (tag === undefined || isForced(project)) return false;
    return !localImages.has(tag) || store.settings.push;
  });
  const { hits, checked } = await store.locate(toLookUp.map((project) => tags.get(project)!), request.warn);

  const needed = new Set(request.needImages);
  for (const project of projects) {
    const tag = tags.get(project);
    const decision = tag === undefined ? undefined : decideStage({ forced: isForced(project), local: localImages.has(tag), hit: hits.get(tag) });
    // With equivalence, a missing stage may still take an earlier image: only a forced one surely builds.
    const builds = decision?.action === 'build' && (decision.forced || !request.equivalence);
    if (builds) for (const upstream of graph.imageUpstreamOf(project)) needed.add(upstream);
  }
  return {
    store,
    hits,
    checked,
    needed: (stage) => store.settings.pullAlways || needed.has(stage),
    need: (stage) => needed.add(stage),
    pulls: new Map(),
  };
}
