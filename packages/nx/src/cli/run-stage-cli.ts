import type { ExecutorContext } from '@nx/devkit';
import { executorName } from '../plugin/identity';
import { isStageProject } from '../plugin/stage-projects';
import { DEFAULT_OPTIONS } from '../stage/types';

export const USAGE = 'usage: stagecraft run <stage> [--env NAME] [--network MODE] [--interactive] [--] <command...>';

export interface CliEffects {
  /** Makes sure the stage's image exists (nx run <stage>:<docker-stage target>); returns its exit status. */
  ensureImage(stage: string, target: string, workspaceRoot: string): number;
}

/** Parses `run <stage> ...`, ensures the image, runs the command, and returns the exit code to exit with. */
export async function runStageCli(argv: string[], effects: CliEffects): Promise<number> {
  const [verb, stage, ...rest] = argv;
  if (verb !== 'run' || !stage || stage.startsWith('-')) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const { createProjectGraphAsync, readProjectsConfigurationFromProjectGraph, workspaceRoot } = await import('@nx/devkit');
  const { readNxJsonFromDisk } = await import('@nx/devkit/internal');
  const projectGraph = await createProjectGraphAsync({ exitOnError: false });
  const projectsConfigurations = readProjectsConfigurationFromProjectGraph(projectGraph);
  const project = projectsConfigurations.projects[stage];
  if (!project || !isStageProject(project)) throw new Error(`no stage named '${stage}' in the workspace at ${workspaceRoot}`);

  const targetOf = (executor: string) =>
    Object.entries(project.targets ?? {}).find(([, target]) => target.executor === executorName(executor))?.[0];
  const dockerStage = targetOf('docker-stage') ?? DEFAULT_OPTIONS.targetNames.dockerStage;
  const run = targetOf('run') ?? DEFAULT_OPTIONS.targetNames.run;

  const built = effects.ensureImage(stage, dockerStage, workspaceRoot);
  if (built !== 0) throw new Error(`the image of stage ${stage} could not be built (nx run ${stage}:${dockerStage} exited with ${built})`);

  const context: ExecutorContext = {
    root: workspaceRoot,
    cwd: process.cwd(),
    isVerbose: false,
    projectName: stage,
    targetName: run,
    target: project.targets?.[run],
    projectGraph,
    projectsConfigurations,
    nxJsonConfiguration: readNxJsonFromDisk(workspaceRoot),
  };
  const { runInStageImage } = await import('../build/run-in-image');
  const { exitCode } = await runInStageImage({ __unparsed__: rest }, context);
  return exitCode;
}
