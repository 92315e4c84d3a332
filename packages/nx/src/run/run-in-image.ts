import type { ExecutorContext } from '@nx/devkit';
import { relative } from 'node:path';
import { imageKeyFailure } from '../declared-tags/check';
import { declarationsToVerify } from '../declared-tags/verify';
import { connectEngine, ensureEngineReachable } from '../docker/engine';
import { LABEL_STAGE } from '../docker/labels';
import { runContainer } from '../docker/run-container';
import { stageKeyLabelOf } from '../docker/run-container-image';
import { DEFAULT_OPTIONS } from '../stage/types';
import { stageContextFor } from '../ensure/stage-context';
import { commandToRun, configuredSettings, containerWorkingDir, passedEnvironment, splitRunArguments, type RunRequest } from './run-arguments';

export const WORKSPACE_MOUNT = '/work';
/** No network unless asked for: like the builds, a run needs none, and this way it cannot reach anything. */
const DEFAULT_NETWORK = 'none';

/**
 * Runs the command in the image of the context's stage and gives back its exit
 * code (the `stagecraft run` CLI exits with it; Nx cannot). Throws on a problem
 * before the command runs.
 */
export async function runInStageImage(
  options: RunRequest,
  context: ExecutorContext,
): Promise<{ exitCode: number; command: string[] }> {
  const project = context.projectName!;
  const { flags, command: args } = splitRunArguments(options.__unparsed__ ?? []);
  const settings = { ...configuredSettings(context.target, context.configurationName), ...flags };
  const interactive = settings.interactive ?? Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const command = commandToRun(args, settings, interactive, context.targetName ?? DEFAULT_OPTIONS.targetNames.run);

  const { planner, options: pluginOptions, workspaceRoot } = stageContextFor(context, [project]);
  const stage = project;
  const plan = await planner.plan(stage);
  const declared = declarationsToVerify(workspaceRoot, pluginOptions);

  const docker = connectEngine();
  await ensureEngineReachable(docker);
  let keyLabel = await stageKeyLabelOf(docker, plan.tag);
  if (keyLabel === undefined) {
    await buildStage(context, project);
    keyLabel = await stageKeyLabelOf(docker, plan.tag);
  }
  if (declared) {
    const refusal = imageKeyFailure(
      stage,
      plan.tag,
      keyLabel || undefined,
      declared,
      pluginOptions.requireDeclaredTags ?? false,
      pluginOptions.targetNames.dockerStage,
    );
    if (refusal) throw new Error(refusal);
  }

  const { exitCode } = await runContainer(docker, {
    image: plan.tag,
    command,
    user: `${process.getuid!()}:${process.getgid!()}`,
    workingDir: containerWorkingDir(workspaceRoot, context.cwd, relative),
    binds: [`${workspaceRoot}:${WORKSPACE_MOUNT}`],
    env: passedEnvironment(settings.env ?? [], process.env),
    networkMode: settings.network ?? DEFAULT_NETWORK,
    labels: { 'dev.stagecraft.purpose': 'run', [LABEL_STAGE]: stage },
    interactive,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
  });
  return { exitCode, command };
}

/** The image is missing (e.g. run with --exclude-task-dependencies): build it as docker-stage would, checks included. */
async function buildStage(context: ExecutorContext, project: string): Promise<void> {
  const { runStages } = await import('../ensure/run-stages');
  const { isAvailable } = await import('../report/outcome');
  for await (const event of runStages(context, [project], { needImages: [project] })) {
    if (event.project === project && !isAvailable(event.outcome.status)) {
      throw new Error(`the image could not be built: ${event.outcome.message ?? event.outcome.status}`);
    }
  }
}
