import type { ExecutorContext } from '@nx/devkit';
import { connectEngine } from '../docker/engine';
import { stripTerminalEscapes } from '../docker/progress';
import { stageContextFor, type StageContext } from './stage-context';
import { dockerEngine, type StageEngine } from '../docker/stage-engine';
import { ensureStage } from './ensure-stage';
import { isAvailable, type StageOutcome } from '../report/outcome';
import type { StagePlan } from '../key/plan';
import { KeyHistory } from './key-history';
import { batchParallelism } from './parallelism';
import { runScheduled, type JobOutcome, type SkipReason } from './scheduler';
import { decideStage, forcedStages, stageRefusals } from './stage-decision';
import { registrySettings } from '../registry-policy/registry-options';
import type { RegistryRun } from '../registry-policy/registry-steps';
import { stageRegistry, type StageRegistry } from '../registry-policy/stage-registry';
import { TimelineRecorder } from '../report/timeline-recorder';
import { cancelledOnSignals } from '../util/cancel-on-signals';
import { EquivalenceRun } from './equivalence-steps';
import { equivalenceEnabled } from '../equivalence/enabled';
import { LocalRecords } from '../equivalence/local-records';

export interface RunStagesOptions {
  /** How many stages build at once (default: from nx.json's parallel, else the CPU count). */
  parallel?: number;
  /** Say which inputs changed since each rebuilt stage's last build. */
  explain?: boolean;
  /** Write dist/stagecraft/timeline.json and timeline.svg when the batch is done. */
  timeline?: boolean;
  /** Pull every stage a registry holds (--pull), not only those a build needs. */
  pull?: boolean;
  /** Stages whose images the caller needs locally (run, package): pulled when a registry holds them. */
  needImages?: string[];
  /** Work some stages do in their own job once their image is available (the package target's copy). */
  afterImage?: AfterImageStep;
}

/**
 * A step run inside a stage's scheduled job, after its image is available, so
 * it shares the batch's bounded pool. A stage that waits for another's step
 * is scheduled after that stage; when the step throws, the stage fails with
 * its message and its dependents are skipped.
 */
export interface AfterImageStep {
  stages: ReadonlySet<string>;
  /** Stages of the batch whose step this stage's build needs, beyond the images it is built from. */
  waitsFor(stage: string): string[];
  run(plan: StagePlan, log: (line: string) => void): Promise<void>;
}

export interface StageRunEvent {
  project: string;
  outcome: StageOutcome;
  /** An aggregate stage: its image is a final image, one a user runs. */
  aggregate?: boolean;
  /** The lines this stage printed, prefixed with its name. */
  output: string[];
  /** On the batch's last event: the timeline files written (workspace paths). */
  timelineFiles?: string[];
}

/** One batch of stages to ensure, with everything it runs against. */
export interface StageBatch {
  stages: Pick<StageContext, 'graph' | 'planner' | 'workspaceRoot' | 'cacheDir' | 'hashCache' | 'options'>;
  projects: string[];
  engine: StageEngine;
  concurrency: number;
  isForced: (stage: string) => boolean;
  explain: boolean;
  /** Offer BuildKit each stage's earlier images as cache (when a registry holds them). */
  cacheFromEarlierTags?: boolean;
  /** Stages refused before any Engine work, with the reason. */
  refusals?: Map<string, string>;
  /** Write the timeline files before the last result. */
  timeline?: boolean;
  /** Where the stage-prefixed lines go (default: stderr). */
  write?: (line: string) => void;
  /** Keep the engine's terminal escapes (colours): only when the lines go to a terminal (default: stderr is one). */
  terminal?: boolean;
  /** The workspace registry and its upstreams, when one is configured. */
  registry?: StageRegistry;
  /** Stages whose images the caller needs locally. */
  needImages?: string[];
  afterImage?: AfterImageStep;
  /** A missing stage whose resolved key names an earlier image takes it (the plugin option equivalence). */
  equivalence?: boolean;
  /** Aborting it cancels the batch: builds in flight stop, stages not started are skipped. */
  signal?: AbortSignal;
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
  engine?: StageEngine,
): AsyncGenerator<StageRunEvent> {
  let stages: StageContext;
  let refusals: Map<string, string>;
  let registry: StageRegistry | undefined;
  let equivalence: boolean;
  try {
    stages = stageContextFor(context, projects);
    refusals = await stageRefusals(stages, projects);
    const settings = registrySettings(stages.options, process.env, options.pull);
    registry = settings && stageRegistry(settings);
    equivalence = equivalenceEnabled(stages.options.equivalence, process.env);
  } catch (error) {
    yield* failedBatch(projects, (error as Error).message, stderrLine);
    return;
  }
  yield* cancelledOnSignals((signal) => runStageBatch({
    stages,
    projects,
    engine: engine ?? dockerEngine(connectEngine(), stages.options.builder),
    concurrency: batchParallelism(options.parallel, context.nxJsonConfiguration?.parallel),
    isForced: forcedStages(process.env, forcedProjects),
    explain: Boolean(options.explain),
    cacheFromEarlierTags: Boolean(stages.options.registry),
    refusals,
    timeline: options.timeline,
    registry,
    needImages: options.needImages,
    afterImage: options.afterImage,
    equivalence,
    signal,
  }));
}

/** The batch itself: plan every stage while the Engine answers, then ensure them in dependency order. */
export async function* runStageBatch(batch: StageBatch): AsyncGenerator<StageRunEvent> {
  const { stages, projects, engine } = batch;
  const write = batch.write ?? stderrLine;
  const terminal = batch.terminal ?? Boolean(process.stderr.isTTY);
  const inBatch = new Set(projects);
  const timeline = new TimelineRecorder((stage) => stages.graph.imageUpstreamOf(stage).filter((name) => inBatch.has(name)));
  const outputs = new Map<string, string[]>(projects.map((project) => [project, []]));
  const log = (stage: string, text: string) => {
    for (const line of text.split('\n')) {
      const prefixed = `${stage}: ${terminal ? line : stripTerminalEscapes(line)}`;
      outputs.get(stage)?.push(prefixed);
      write(prefixed);
    }
  };

  const { graph, planner, workspaceRoot, cacheDir, options } = stages;
  let reported = 0;
  /** Every stage's answer goes out through here; the last one carries the registry line and the timeline files. */
  const answer = (outcome: StageOutcome): StageRunEvent => {
    if (outcome.message) log(outcome.stage, outcome.status === 'failed' ? `failed: ${outcome.message}` : outcome.message);
    timeline.ended(outcome);
    // Nx ends a batch at its last result: the registry line and the timeline files go out before it.
    const last = ++reported === projects.length;
    if (last && batch.registry) write(registryLine(batch.registry, projects.length));
    const timelineFiles = last && batch.timeline ? writeTimeline(timeline, workspaceRoot, write) : undefined;
    const stage = graph.stages.get(outcome.stage);
    const aggregate = stage?.build.type === 'aggregate';
    const network = stage?.network;
    return { project: outcome.stage, outcome: network ? { ...outcome, network } : outcome, aggregate, output: outputs.get(outcome.stage)!, ...(timelineFiles ? { timelineFiles } : {}) };
  };
  const failAll = (message: string) => projects.map((project) => answer({ stage: project, status: 'failed', durationMs: 0, ...atOnce(), message }));

  const refusals = batch.refusals ?? (await stageRefusals(stages, projects));
  if (projects.every((project) => refusals.has(project))) {
    // Nothing to build: the Engine is never contacted.
    for (const project of projects) yield answer({ stage: project, status: 'failed', durationMs: 0, ...atOnce(), message: refusals.get(project) });
    return;
  }
  let localImages: Map<string, string>;
  let registry: RegistryRun | undefined;
  const reader = batch.equivalence ? engine.outputs : undefined;
  try {
    // ensureStage picks the memoised plans up. The file hashes are saved as soon as
    // every plan is made: Nx ends a batch at its last result.
    const plans = Promise.all(projects.map((project) => stages.planner.plan(project).catch(() => undefined)));
    plans.then(() => stages.hashCache.save()).catch(() => undefined);
    await engine.ensureReachable();
    // The registry steps also look for tags outside the batch: they get the whole listing. Without a
    // registry, only the batch's own tags matter, and asking for each costs the same in any image store.
    localImages = batch.registry ? await engine.localImages() : await engine.imagesOf(tagsOf(await plans));
    if (batch.registry) {
      const { lookUpRegistry } = await import('../registry-policy/registry-lookup');
      const lookup = { store: batch.registry, projects, planner, graph, localImages, isForced: batch.isForced, needImages: batch.needImages ?? [], warn: write, equivalence: Boolean(reader) };
      registry = await lookUpRegistry(lookup);
    }
  } catch (error) {
    yield* failAll((error as Error).message);
    return;
  }

  const history = new KeyHistory(cacheDir);
  const { isForced, explain, cacheFromEarlierTags } = batch;
  const equivalence =
    reader && new EquivalenceRun({ planner, graph, engine, reader, prefix: options.prefix, records: new LocalRecords(cacheDir), localImages, registry, warn: log });
  if (registry && equivalence) {
    // A forced stage counts as missing: its image is about to change.
    const isMissing = (plan: StagePlan) =>
      decideStage({ forced: isForced(plan.stage.name), local: localImages.has(plan.tag), hit: registry!.hits.get(plan.tag) }).action === 'build';
    const building = await equivalence.surelyBuilt(projects.filter((project) => !isForced(project) && !refusals.has(project)), isMissing).catch(() => []);
    for (const stage of building) for (const upstream of graph.imageUpstreamOf(stage)) registry.need(upstream);
  }
  const deps = { engine, planner, workspaceRoot, cacheDir, localImages, isForced, explain, history, targetNames: options.targetNames, cacheFromEarlierTags, log, registry, equivalence };
  const step = batch.afterImage;
  const jobs = projects.map((name) => ({ name, after: [...graph.imageUpstreamOf(name), ...(step?.waitsFor(name) ?? [])] }));
  const ensure = async (name: string, signal: AbortSignal): Promise<StageOutcome> => {
    const startTime = Date.now();
    timeline.started(name);
    let outcome = await (refusedOutcome(name, refusals) ?? ensureStage(name, { ...deps, signal }));
    if (step?.stages.has(name) && isAvailable(outcome.status)) {
      outcome = await step.run(await planner.plan(name), (line) => log(name, line)).then(
        () => outcome,
        (error: Error) => ({ ...outcome, status: 'failed' as const, message: error.message }),
      );
    }
    return { ...outcome, startTime, endTime: Date.now() };
  };

  for await (const job of runScheduled(jobs, batch.concurrency, ensure, (o) => o.status !== 'failed', batch.signal)) {
    yield answer(stageOutcomeOf(job));
  }
}

/** A job's answer as its stage's outcome: a job that rejected failed; one that never ran is skipped, saying why. */
function stageOutcomeOf(job: JobOutcome<StageOutcome>): StageOutcome {
  if ('result' in job) return job.result;
  if ('error' in job) return { stage: job.name, status: 'failed', durationMs: 0, ...atOnce(), message: job.error.message };
  return { stage: job.name, status: 'skipped', durationMs: 0, ...atOnce(), message: `not built: ${whySkipped(job.skipped)}` };
}

function whySkipped(reason: SkipReason): string {
  if ('upstreamFailed' in reason) return `upstream stage ${reason.upstreamFailed} did not build`;
  if ('waitsForever' in reason) return `it waits for ${reason.waitsForever.join(', ')}, which can never start: stages that wait for each other in a cycle`;
  return 'the run was cancelled';
}

/** The tags of the stages that could be planned (the others fail in ensureStage with the planner's message). */
function tagsOf(plans: Array<StagePlan | undefined>): string[] {
  return plans.flatMap((plan) => (plan ? [plan.tag] : []));
}

function writeTimeline(timeline: TimelineRecorder, workspaceRoot: string, write: (line: string) => void): string[] | undefined {
  try {
    return timeline.write(workspaceRoot);
  } catch (error) {
    write(`stagecraft: the timeline could not be written: ${(error as Error).message}`);
    return undefined;
  }
}

function registryLine(registry: StageRegistry, stages: number): string {
  const requests = registry.requests();
  return `Stagecraft: registry ${registry.settings.registry}: ${requests} request${requests === 1 ? '' : 's'} for ${stages} stage${stages === 1 ? '' : 's'}`;
}

function* failedBatch(projects: string[], message: string, write: (line: string) => void): Generator<StageRunEvent> {
  for (const project of projects) {
    const line = `${project}: ${message}`;
    write(line);
    yield { project, outcome: { stage: project, status: 'failed', durationMs: 0, ...atOnce(), message }, output: [line] };
  }
}

/** The start and end of something that took no time: now. */
function atOnce(): { startTime: number; endTime: number } {
  const now = Date.now();
  return { startTime: now, endTime: now };
}

function stderrLine(line: string): void {
  process.stderr.write(`${line}\n`);
}

function refusedOutcome(stage: string, refusals: Map<string, string>): Promise<StageOutcome> | undefined {
  const message = refusals.get(stage);
  return message === undefined ? undefined : Promise.resolve({ stage, status: 'failed', durationMs: 0, message });
}
