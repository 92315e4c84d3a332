import type { ExecutorContext } from '@nx/devkit';
import { connectEngine, ensureEngineReachable } from '../docker/engine';
import { listLocalImages } from '../docker/images';
import { stageContextFor, type StageContext } from './stage-context';
import { ensureStage, type StageOutcome } from './ensure-stage';
import { KeyHistory } from './key-history';
import { batchParallelism } from './parallelism';
import { runScheduled } from './scheduler';

export interface RunStagesOptions {
  /** How many stages build at once (default: from nx.json's parallel, else the CPU count). */
  parallel?: number;
  /** Say which inputs changed since each rebuilt stage's last build. */
  explain?: boolean;
}

export interface StageRunEvent {
  project: string;
  outcome: StageOutcome;
  /** The lines this stage printed, prefixed with its name. */
  output: string[];
}

/**
 * Ensures the images of the given stage projects with one Engine connection and
 * one image listing, building them in dependency order with bounded
 * concurrency, and yields each stage's outcome as soon as it is known.
 */
export async function* runStages(
  context: ExecutorContext,
  projects: string[],
  options: RunStagesOptions,
  forcedProjects: ReadonlySet<string> = new Set(),
): AsyncGenerator<StageRunEvent> {
  const outputs = new Map<string, string[]>(projects.map((project) => [project, []]));
  const log = (stage: string, line: string) => {
    const prefixed = `${stage}: ${line}`;
    outputs.get(stage)?.push(prefixed);
    process.stderr.write(`${prefixed}\n`);
  };
  const failAll = function* (message: string) {
    for (const project of projects) {
      log(project, message);
      yield { project, outcome: { stage: project, status: 'failed' as const, durationMs: 0, message }, output: outputs.get(project)! };
    }
  };

  let setup;
  try {
    const stages = stageContextFor(context, projects);
    const refusals = await declaredTagRefusals(stages, projects);
    // Plan while the Engine answers; ensureStage picks the memoised plans up. The file
    // hashes are saved as soon as every plan is made: Nx ends a batch at its last result.
    Promise.all(projects.map((project) => stages.planner.plan(project))).then(
      () => stages.hashCache.save(),
      () => undefined,
    );
    const docker = connectEngine();
    await ensureEngineReachable(docker);
    setup = { ...stages, refusals, docker, localImages: await listLocalImages(docker) };
  } catch (error) {
    yield* failAll((error as Error).message);
    return;
  }

  const { graph, planner, workspaceRoot, cacheDir, docker, localImages, refusals } = setup;
  const forceAll = process.env['STAGECRAFT_FORCE'] === '1';
  const isForced = (stage: string) => forceAll || forcedProjects.has(stage);
  const history = new KeyHistory(cacheDir);
  const deps = { docker, planner, workspaceRoot, cacheDir, localImages, isForced, explain: Boolean(options.explain), history, log };
  const jobs = projects.map((name) => ({ name, after: graph.imageUpstreamOf(name) }));
  const concurrency = batchParallelism(options.parallel, context.nxJsonConfiguration?.parallel);

  for await (const job of runScheduled(jobs, concurrency, (name) => refusedOutcome(name, refusals) ?? ensureStage(name, deps), (o) => o.status !== 'failed')) {
    const outcome: StageOutcome =
      'result' in job
        ? job.result
        : {
            stage: job.name,
            status: 'skipped',
            durationMs: 0,
            message: `not built: upstream stage ${job.skippedBecause} did not build`,
          };
    if (outcome.message) log(job.name, outcome.status === 'failed' ? `failed: ${outcome.message}` : outcome.message);
    yield { project: job.name, outcome, output: outputs.get(job.name)! };
  }
}

/** verifyDeclaredTags (Mesa's build-time check): stages whose tag contradicts its declaration, found before the Engine is contacted. */
async function declaredTagRefusals(stages: StageContext, projects: string[]): Promise<Map<string, string>> {
  if (!stages.options.verifyDeclaredTags) return new Map();
  const { buildTimeRefusals } = await import('../declared-tags/verify');
  return buildTimeRefusals(stages, projects);
}

function refusedOutcome(stage: string, refusals: Map<string, string>): Promise<StageOutcome> | undefined {
  const message = refusals.get(stage);
  return message === undefined ? undefined : Promise.resolve({ stage, status: 'failed', durationMs: 0, message });
}
