import type { ExecutorContext } from '@nx/devkit';
import type { StageEngine } from './engine';
import { KeyHistory } from './key-history';
import { rebuildReasons } from './rebuild-reasons';
import type { StageContext } from './stage-context';

/**
 * What `docker-stage` would do with a stage, found without building anything:
 * its image is present in the local image store, or it is to be built.
 */
export type StageState = 'present' | 'to-build';

export interface StageStatus {
  stage: string;
  tag: string;
  status: StageState;
  /** Why a stage is to be built (the --explain reasons); empty when present. */
  reasons: string[];
}

/**
 * The status of each given stage (in dependency order): planned like a build
 * plans it, checked against one listing of the local images. This is the one
 * place a dry run and `stagecraft status` decide; nothing is built or pulled.
 */
export async function stageStatuses(
  stages: Pick<StageContext, 'graph' | 'planner' | 'cacheDir' | 'hashCache'>,
  projects: string[],
  engine: Pick<StageEngine, 'ensureReachable' | 'localImages'>,
): Promise<StageStatus[]> {
  const wanted = new Set(projects);
  const ordered = stages.graph.order.filter((name) => wanted.has(name));
  const plans = await Promise.all(ordered.map((name) => stages.planner.plan(name)));
  stages.hashCache.save();
  await engine.ensureReachable();
  const localImages = await engine.localImages();
  const history = new KeyHistory(stages.cacheDir);
  return plans.map((plan): StageStatus => {
    const stage = plan.stage.name;
    if (localImages.has(plan.tag)) return { stage, tag: plan.tag, status: 'present', reasons: [] };
    return { stage, tag: plan.tag, status: 'to-build', reasons: rebuildReasons(plan.keyDocument, history.last(stage)) };
  });
}

/** A status as lines for people: the state, stage and tag, then one line per reason. */
export function statusLines(status: StageStatus, stageWidth = status.stage.length): string[] {
  const head = `${status.status.padEnd(9)}${status.stage.padEnd(stageWidth)}  ${status.tag}`;
  return [head, ...status.reasons.map((reason) => `${' '.repeat(9)}- ${reason}`)];
}

/** Every status as text, the stage names in one column. */
export function statusText(statuses: StageStatus[]): string {
  const width = Math.max(0, ...statuses.map((status) => status.stage.length));
  return statuses.flatMap((status) => statusLines(status, width)).map((line) => `${line}\n`).join('');
}

/**
 * docker-stage --dry-run: each task's stage with its status, as the lines to
 * show (prefixed with the stage name). A problem that stops the planning or
 * the image listing fails every stage with its message.
 */
export async function dryRunStages(context: ExecutorContext, projects: string[]): Promise<Map<string, { success: boolean; lines: string[] }>> {
  try {
    const { stageContextFor } = await import('./stage-context');
    const { dockerEngine } = await import('./engine');
    const { connectEngine } = await import('../docker/engine');
    const statuses = await stageStatuses(stageContextFor(context, projects), projects, dockerEngine(connectEngine()));
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
  return [`would build ${status.tag}`, ...status.reasons.map((reason) => `because ${reason}`)];
}
