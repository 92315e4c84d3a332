import type { ExecutorContext } from '@nx/devkit';
import { executorName } from '../identity/identity';
import { DEFAULT_OPTIONS } from '../stage/types';
import { loadCliWorkspace, stageProjectNamed } from './workspace';

export const RUN_USAGE = 'stagecraft run <stage> [--env NAME] [--network MODE] [--interactive] [--] <command...>';

export interface CliEffects {
  /** Makes sure the stage's image exists (nx run <stage>:<docker-stage target>); returns its exit status. */
  ensureImage(stage: string, target: string, workspaceRoot: string): number;
}

/** `run <stage> ...`: ensures the image, runs the command, and returns the exit code to exit with. */
export async function runStageCli(args: string[], effects: CliEffects): Promise<number> {
  const [stage, ...rest] = args;
  if (!stage || stage.startsWith('-')) {
    process.stderr.write(`usage: ${RUN_USAGE}\n`);
    return 2;
  }
  const workspace = await loadCliWorkspace();
  const project = stageProjectNamed(workspace, stage);
  const workspaceRoot = workspace.context.root;

  const targetOf = (executor: string) =>
    Object.entries(project.targets ?? {}).find(([, target]) => target.executor === executorName(executor))?.[0];
  const dockerStage = targetOf('docker-stage') ?? DEFAULT_OPTIONS.targetNames.dockerStage;
  const run = targetOf('run') ?? DEFAULT_OPTIONS.targetNames.run;

  const built = effects.ensureImage(stage, dockerStage, workspaceRoot);
  if (built !== 0) throw new Error(`the image of stage ${stage} could not be built (nx run ${stage}:${dockerStage} exited with ${built})`);

  const context: ExecutorContext = { ...workspace.context, projectName: stage, targetName: run, target: project.targets?.[run] };
  const { runInStageImage } = await import('../run/run-in-image');
  const { exitCode } = await runInStageImage({ __unparsed__: rest }, context);
  return exitCode;
}
