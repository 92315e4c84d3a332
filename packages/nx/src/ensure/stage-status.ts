import type { ExecutorContext } from '@nx/devkit';
import type { StagePlan } from '../key/plan';
import type { StageEngine } from '../docker/stage-engine';
import { KeyHistory } from './key-history';
import { rebuildReasons } from './rebuild-reasons';
import { registrySettings, settingOfRegistry } from '../registry-policy/registry-options';
import { optionLocation } from '../stage/plugin-options';
import type { RemoteHit, StageRegistry } from '../registry-policy/stage-registry';
import type { StageContext } from './stage-context';
import { networkMark, networkOf } from '../stage/network';
import type { NetworkMode } from '../stage/types';
import { decideBatch, decideStage, forcedStages, stageRefusals, type StageDecision, type StageFacts } from './stage-decision';
import { equivalenceEnabled } from '../equivalence/enabled';

/**
 * What `docker-stage` would do with a stage, found without building anything:
 * its image is present in the local image store, a registry holds it (so it
 * would be used from there, or pulled when needed), a record names an image
 * built for its resolved key (equivalent), it waits for an upstream to be built
 * before that can be known (pending), it is to be built, the run refuses it
 * (an unpinned base, verifyDeclaredTags), or skips it after a refused upstream.
 */
export type StageState = 'present' | 'remote' | 'equivalent' | 'pending' | 'to-build' | 'refused' | 'skipped';

export interface StageStatus {
  stage: string;
  tag: string;
  status: StageState;
  /** The network its build runs on: a networked stage's image holds what the servers served when it was built. */
  network: NetworkMode;
  /** Why a stage is to be built (the --explain reasons); empty otherwise. */
  reasons: string[];
  /** For a remote stage: the registry prefix that holds it and the reference there. */
  registry?: string;
  /** For a remote stage, the reference in the registry; for an equivalent one, the image its record names. */
  ref?: string;
  /** For a pending stage: the upstreams to be built first; it is built, or equivalent when their output comes out unchanged. */
  pendingOn?: string[];
}

/** What is known of one stage: the facts the run decides on, the registries that did not answer, and why it would be built. */
export interface ImageFacts extends Omit<StageFacts, 'forced'> {
  forced?: boolean;
  unchecked: string[];
  /** Why it would be built (the --explain reasons), given whether it is forced. */
  reasons: (forced: boolean) => string[];
}

/** The run's decision (decideStage, or the batch's when given) as a status. */
export function decideStatus(stage: string, tag: string, facts: ImageFacts, decided?: StageDecision): Omit<StageStatus, 'network'> {
  const decision = decided ?? decideStage({ ...facts, forced: facts.forced ?? false });
  switch (decision.action) {
    case 'refuse':
      return { stage, tag, status: 'refused', reasons: [decision.message] };
    case 'skip':
      return { stage, tag, status: 'skipped', reasons: [`not built: upstream stage ${decision.upstream} would not build`] };
    case 'use-local':
      return { stage, tag, status: 'present', reasons: [] };
    case 'use-registry':
      return { stage, tag, status: 'remote', reasons: [], registry: decision.hit.registry, ref: decision.hit.ref };
    case 'build': {
      const unanswered = decision.forced ? [] : facts.unchecked.map((prefix) => `registry ${prefix} could not be checked; docker-stage would build without it`);
      return { stage, tag, status: 'to-build', reasons: [...unanswered, ...facts.reasons(decision.forced)] };
    }
  }
}

/** What the run is told besides the images: the stages it refuses and the stages it forces. */
export interface RunIntent {
  refusals: Map<string, string>;
  isForced: (stage: string) => boolean;
}

/** The engine calls a status needs; with imageIdOf, tag and outputs it can also tell equivalent stages. */
export type StatusEngine = Pick<StageEngine, 'ensureReachable' | 'imagesOf'> & Partial<StageEngine>;

/**
 * The status of each given stage (in dependency order): planned like a build
 * plans it, checked against a look-up of each stage's tag in the Engine and, with a
 * registry, one look-up at once of every tag missing locally. With equivalence on, a
 * missing stage whose upstreams are all there is looked up by its resolved key. This is the
 * one place a dry run and `stagecraft status` decide; nothing is built, pulled or pushed.
 */
export async function stageStatuses(
  stages: Pick<StageContext, 'graph' | 'planner' | 'cacheDir' | 'hashCache'> & Partial<Pick<StageContext, 'options'>>,
  projects: string[],
  engine: StatusEngine,
  registry?: Pick<StageRegistry, 'settings' | 'locate'> & Partial<Pick<StageRegistry, 'recordsAt'>>,
  warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  equivalence = false,
  intent: RunIntent = { refusals: new Map(), isForced: () => false },
): Promise<StageStatus[]> {
  const wanted = new Set(projects);
  // Upstreams outside the set are planned too: whether a stage is pending depends on them.
  const planned = equivalence ? upstreamClosure(stages.graph, projects) : wanted;
  const ordered = stages.graph.order.filter((name) => planned.has(name));
  const plans = await Promise.all(ordered.map((name) => stages.planner.plan(name)));
  stages.hashCache.save();
  await engine.ensureReachable();
  const localImages = await engine.imagesOf(plans.map((plan) => plan.tag));
  const missing = plans.map((plan) => plan.tag).filter((tag) => !localImages.has(tag));
  const { hits, unchecked } = registry && missing.length ? await lookUp(registry, missing, warn) : { hits: new Map<string, RemoteHit>(), unchecked: [] };
  const history = new KeyHistory(stages.cacheDir);
  const equivalent = equivalence ? await equivalenceLookup(stages, engine, localImages, registry, hits, unchecked, warn) : undefined;
  const statuses = new Map<string, StageStatus>();
  const planOf = new Map(plans.map((plan) => [plan.stage.name, plan]));
  const factsOf = (name: string): ImageFacts & StageFacts => {
    const plan = planOf.get(name)!;
    const refusal = wanted.has(name) ? intent.refusals.get(name) : undefined;
    return {
      ...(refusal !== undefined && { refusal }),
      forced: intent.isForced(name),
      local: localImages.has(plan.tag),
      hit: hits.get(plan.tag),
      unchecked,
      reasons: (forced) => rebuildReasons(plan.keyDocument, history.last(name), forced),
    };
  };
  // As the run's scheduler does: the stages of the batch after a refused one are skipped.
  const inBatch = (name: string) => stages.graph.imageUpstreamOf(name).filter((upstream) => wanted.has(upstream));
  const decisions = decideBatch(ordered, (name) => (wanted.has(name) ? inBatch(name) : []), factsOf);
  for (const plan of plans) {
    const name = plan.stage.name;
    const decided = decideStatus(name, plan.tag, factsOf(name), decisions.get(name));
    const status = { ...decided, network: networkOf(plan.stage) };
    // A forced stage is rebuilt as it is: the run looks for no equivalent image for it.
    const mayBeEquivalent = equivalent && status.status === 'to-build' && !intent.isForced(name);
    statuses.set(name, mayBeEquivalent ? await equivalent(plan, status, statuses) : status);
  }
  return ordered.filter((name) => wanted.has(name)).map((name) => statuses.get(name)!);
}

/**
 * The equivalence half of a status: a missing stage with an upstream still to be built is pending
 * on it; one whose upstreams are all there is equivalent when a record names an image for its
 * resolved key. Record look-ups only read (a local record of an output hash may be written).
 */
async function equivalenceLookup(
  stages: Pick<StageContext, 'graph' | 'planner' | 'cacheDir'> & Partial<Pick<StageContext, 'options'>>,
  engine: StatusEngine,
  localImages: Map<string, string>,
  registry: (Pick<StageRegistry, 'settings' | 'locate'> & Partial<Pick<StageRegistry, 'recordsAt'>>) | undefined,
  hits: Map<string, RemoteHit>,
  unchecked: string[],
  warn: (line: string) => void,
) {
  if (!engine.outputs || !engine.imageIdOf) return undefined;
  const { EquivalenceRun } = await import('./equivalence-steps');
  const { LocalRecords } = await import('../equivalence/local-records');
  const run =
    registry?.recordsAt &&
    ({ store: registry as StageRegistry, hits, checked: !unchecked.includes(registry.settings.registry), needed: () => false, need: () => undefined, pulls: new Map() } as const);
  const equivalence = new EquivalenceRun({
    planner: stages.planner,
    graph: stages.graph,
    engine: engine as StageEngine,
    reader: engine.outputs,
    prefix: stages.options?.prefix ?? '/usr/local',
    records: new LocalRecords(stages.cacheDir),
    localImages: new Map(localImages),
    registry: run || undefined,
    warn: (stage, line) => warn(`${stage}: ${line}`),
  });
  return async (plan: StagePlan, toBuild: StageStatus, decided: Map<string, StageStatus>): Promise<StageStatus> => {
    const waiting = stages.graph.upstreamOf(plan.stage.name).filter((upstream) => ['to-build', 'pending'].includes(decided.get(upstream)?.status ?? ''));
    if (waiting.length) return { ...toBuild, status: 'pending', pendingOn: waiting };
    const { resolvedKey } = await equivalence.resolve(plan);
    const found = await equivalence.findEquivalent(plan, resolvedKey, (line) => warn(`${plan.stage.name}: ${line}`), true);
    return found ? { ...toBuild, status: 'equivalent', reasons: [], ref: found.ref } : toBuild;
  };
}

function upstreamClosure(graph: StageContext['graph'], projects: string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...projects];
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name) || !graph.stages.has(name)) continue;
    seen.add(name);
    queue.push(...graph.upstreamOf(name));
  }
  return seen;
}

async function lookUp(registry: Pick<StageRegistry, 'settings' | 'locate'>, tags: string[], warn: (line: string) => void) {
  const unchecked: string[] = [];
  const { hits } = await registry.locate(tags, (line, prefix) => {
    unchecked.push(prefix);
    warn(`${line} (configured in ${optionLocation(settingOfRegistry(registry.settings, prefix))}); status reports the stages it may hold to-build, as docker-stage would build them`);
  });
  return { hits, unchecked };
}

/**
 * The statuses with the real engine and the workspace registry, when one is configured, for a
 * run that forces what STAGECRAFT_FORCE or --force (`forcedProjects`) forces and refuses what it refuses.
 */
export async function workspaceStatuses(stages: StageContext, projects: string[], forcedProjects: ReadonlySet<string> = new Set()): Promise<StageStatus[]> {
  const { dockerEngine } = await import('../docker/stage-engine');
  const { connectEngine } = await import('../docker/engine');
  const settings = registrySettings(stages.options, process.env);
  const registry = settings && (await import('../registry-policy/stage-registry')).stageRegistry(settings);
  const equivalence = equivalenceEnabled(stages.options.equivalence, process.env);
  const intent = { refusals: await stageRefusals(stages, projects), isForced: forcedStages(process.env, forcedProjects) };
  return stageStatuses(stages, projects, dockerEngine(connectEngine()), registry, undefined, equivalence, intent);
}

/** A status as lines for people: the state, stage and tag (and a networked stage's network), then one line per reason. */
export function statusLines(status: StageStatus, stageWidth = status.stage.length, statusWidth = Math.max(9, status.status.length + 1)): string[] {
  const network = status.network === 'none' ? '' : `  ${networkMark(status.network)}`;
  const head = `${status.status.padEnd(statusWidth)}${status.stage.padEnd(stageWidth)}  ${status.tag}${network}`;
  return [head, ...statusDetails(status).map((detail) => `${' '.repeat(9)}- ${detail}`)];
}

function statusDetails(status: StageStatus): string[] {
  if (status.status === 'remote') return [`in registry ${status.registry}: ${status.ref}`];
  if (status.status === 'equivalent') return [`equivalent to ${status.ref}: built for the same inputs and the same upstream outputs`];
  if (status.status === 'pending') return [`${pendingLine(status.pendingOn ?? [])}`, ...status.reasons];
  return status.reasons;
}

function pendingLine(upstreams: string[]): string {
  return `pending ${upstreams.join(', ')}: built, or equivalent if ${upstreams.length === 1 ? 'its' : 'their'} output comes out unchanged`;
}

/** Every status as text, the stage names in one column. */
export function statusText(statuses: StageStatus[]): string {
  const width = Math.max(0, ...statuses.map((status) => status.stage.length));
  const statusWidth = Math.max(9, ...statuses.map((status) => status.status.length + 1));
  return statuses.flatMap((status) => statusLines(status, width, statusWidth)).map((line) => `${line}\n`).join('');
}

/**
 * docker-stage --dry-run: each task's stage with its status, as the lines to
 * show (prefixed with the stage name). A problem that stops the planning or
 * the Engine look-up fails every stage with its message; a registry that does
 * not answer only warns.
 */
export async function dryRunStages(
  context: ExecutorContext,
  projects: string[],
  forcedProjects: ReadonlySet<string> = new Set(),
): Promise<Map<string, { success: boolean; lines: string[] }>> {
  try {
    const { stageContextFor } = await import('./stage-context');
    const statuses = await workspaceStatuses(stageContextFor(context, projects), projects, forcedProjects);
    return new Map(
      statuses.map((status) => [
        status.stage,
        { success: !['refused', 'skipped'].includes(status.status), lines: dryRunLines(status).map((line) => `${status.stage}: dry run: ${line}`) },
      ]),
    );
  } catch (error) {
    const message = (error as Error).message;
    return new Map(projects.map((project) => [project, { success: false, lines: [`${project}: ${message}`] }]));
  }
}

function dryRunLines(status: StageStatus): string[] {
  if (status.status === 'present') return [`image present: ${status.tag}; nothing to build`];
  if (status.status === 'remote') return [`in registry ${status.registry}: ${status.ref}; nothing to build`];
  if (status.status === 'equivalent') return [`equivalent: ${status.ref} was built for the same inputs and upstream outputs; nothing to build`];
  if (status.status === 'refused') return [`would fail: ${status.reasons[0]}`];
  if (status.status === 'skipped') return [`would be skipped: ${status.reasons[0]}`];
  const because = status.reasons.map((reason) => `because ${reason}`);
  if (status.status === 'pending') return [`${pendingLine(status.pendingOn ?? [])} (${status.tag})`, ...because];
  return [`would build ${status.tag}`, ...because];
}
