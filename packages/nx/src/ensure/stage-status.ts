import type { ExecutorContext } from '@nx/devkit';
import type { StageEngine } from '../docker/stage-engine';
import { KeyHistory } from './key-history';
import { rebuildReasons } from './rebuild-reasons';
import { optionLocation, registrySettings, settingOfRegistry } from '../registry-policy/registry-options';
import type { RemoteHit, StageRegistry } from '../registry-policy/stage-registry';
import type { StageContext } from './stage-context';
import { networkMark, networkOf } from '../stage/network';
import type { NetworkMode } from '../stage/types';

/**
 * What `docker-stage` would do with a stage, found without building anything:
 * its image is present in the local image store, a registry holds it (so it
 * would be used from there, or pulled when needed), or it is to be built.
 */
export type StageState = 'present' | 'remote' | 'to-build';

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
  ref?: string;
}

/** What is known of one stage's image: local or not, where a registry holds it, which registries did not answer. */
export interface ImageFacts {
  local: boolean;
  hit?: RemoteHit;
  unchecked: string[];
  reasons: () => string[];
}

/** The one decision: present beats remote beats to-build. */
export function decideStatus(stage: string, tag: string, facts: ImageFacts): Omit<StageStatus, 'network'> {
  if (facts.local) return { stage, tag, status: 'present', reasons: [] };
  if (facts.hit) return { stage, tag, status: 'remote', reasons: [], registry: facts.hit.registry, ref: facts.hit.ref };
  const unanswered = facts.unchecked.map((prefix) => `registry ${prefix} could not be checked; docker-stage would build without it`);
  return { stage, tag, status: 'to-build', reasons: [...unanswered, ...facts.reasons()] };
}

/**
 * The status of each given stage (in dependency order): planned like a build
 * plans it, checked against a look-up of each stage's tag in the Engine and, with a
 * registry, one look-up at once of every tag missing locally. This is the one
 * place a dry run and `stagecraft status` decide; nothing is built, pulled or pushed.
 */
export async function stageStatuses(
  stages: Pick<StageContext, 'graph' | 'planner' | 'cacheDir' | 'hashCache'>,
  projects: string[],
  engine: Pick<StageEngine, 'ensureReachable' | 'imagesOf'>,
  registry?: Pick<StageRegistry, 'settings' | 'locate'>,
  warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<StageStatus[]> {
  const wanted = new Set(projects);
  const ordered = stages.graph.order.filter((name) => wanted.has(name));
  const plans = await Promise.all(ordered.map((name) => stages.planner.plan(name)));
  stages.hashCache.save();
  await engine.ensureReachable();
  const localImages = await engine.imagesOf(plans.map((plan) => plan.tag));
  const missing = plans.map((plan) => plan.tag).filter((tag) => !localImages.has(tag));
  const { hits, unchecked } = registry && missing.length ? await lookUp(registry, missing, warn) : { hits: new Map<string, RemoteHit>(), unchecked: [] };
  const history = new KeyHistory(stages.cacheDir);
  return plans.map((plan) => ({
    ...decideStatus(plan.stage.name, plan.tag, {
      local: localImages.has(plan.tag),
      hit: hits.get(plan.tag),
      unchecked,
      reasons: () => rebuildReasons(plan.keyDocument, history.last(plan.stage.name)),
    }),
    network: networkOf(plan.stage),
  }));
}

async function lookUp(registry: Pick<StageRegistry, 'settings' | 'locate'>, tags: string[], warn: (line: string) => void) {
  const unchecked: string[] = [];
  const { hits } = await registry.locate(tags, (line, prefix) => {
    unchecked.push(prefix);
    warn(`${line} (configured in ${optionLocation(settingOfRegistry(registry.settings, prefix))}); status reports the stages it may hold to-build, as docker-stage would build them`);
  });
  return { hits, unchecked };
}

/** The statuses with the real engine and the workspace registry, when one is configured. */
export async function workspaceStatuses(stages: StageContext, projects: string[]): Promise<StageStatus[]> {
  const { dockerEngine } = await import('../docker/stage-engine');
  const { connectEngine } = await import('../docker/engine');
  const settings = registrySettings(stages.options, process.env);
  const registry = settings && (await import('../registry-policy/stage-registry')).stageRegistry(settings);
  return stageStatuses(stages, projects, dockerEngine(connectEngine()), registry);
}

/** A status as lines for people: the state, stage and tag (and a networked stage's network), then one line per reason. */
export function statusLines(status: StageStatus, stageWidth = status.stage.length): string[] {
  const network = status.network === 'none' ? '' : `  ${networkMark(status.network)}`;
  const head = `${status.status.padEnd(9)}${status.stage.padEnd(stageWidth)}  ${status.tag}${network}`;
  const details = status.status === 'remote' ? [`in registry ${status.registry}: ${status.ref}`] : status.reasons;
  return [head, ...details.map((detail) => `${' '.repeat(9)}- ${detail}`)];
}

/** Every status as text, the stage names in one column. */
export function statusText(statuses: StageStatus[]): string {
  const width = Math.max(0, ...statuses.map((status) => status.stage.length));
  return statuses.flatMap((status) => statusLines(status, width)).map((line) => `${line}\n`).join('');
}

/**
 * docker-stage --dry-run: each task's stage with its status, as the lines to
 * show (prefixed with the stage name). A problem that stops the planning or
 * the Engine look-up fails every stage with its message; a registry that does
 * not answer only warns.
 */
export async function dryRunStages(context: ExecutorContext, projects: string[]): Promise<Map<string, { success: boolean; lines: string[] }>> {
  try {
    const { stageContextFor } = await import('./stage-context');
    const statuses = await workspaceStatuses(stageContextFor(context, projects), projects);
    return new Map(
      statuses.map((status) => [
        status.stage,
        { success: true, lines: dryRunLines(status).map((line) => `${status.stage}: dry run: ${line}`) },
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
  return [`would build ${status.tag}`, ...status.reasons.map((reason) => `because ${reason}`)];
}
