import type { ExecutorContext } from '@nx/devkit';
import { checkStageTag, ensureDeclaredStagesExist, readDeclaredTags, tagCheckFailure } from '../../declared-tags';
import { isStageProject } from '../../plugin/stage-projects';
import { reportFailure } from '../shared/report-failure';
import { stageContextFor } from '../../ensure/stage-context';
import type { TagCheckExecutorOptions } from './schema';

/** Mesa's early tag check: the stage's computed tag against its declaration, with no Docker. */
export default async function tagCheckExecutor(_options: TagCheckExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const project = context.projectName!;
  try {
    const { planner, options, workspaceRoot } = stageContextFor(context, [project]);
    const declared = readDeclaredTags(workspaceRoot, options.declaredTags);
    ensureDeclaredStagesExist(declared, stageNamesOf(context));
    const stage = project;
    const check = checkStageTag(stage, (await planner.plan(stage)).tag, declared);
    const failure = tagCheckFailure(check, declared, options.requireDeclaredTags ?? false);
    if (failure) {
      // The message names the stage already.
      process.stderr.write(`${failure}\n`);
      return { success: false };
    }
    process.stdout.write(
      check.status === 'match'
        ? `${stage}: tag ${check.computed} matches ${declared.file}\n`
        : `${stage}: no declared tag in ${declared.file} (computed ${check.computed}); not required\n`,
    );
    return { success: true };
  } catch (error) {
    return reportFailure(project, error);
  }
}

function stageNamesOf(context: ExecutorContext): string[] {
  return Object.entries(context.projectsConfigurations?.projects ?? {})
    .filter(([, project]) => isStageProject(project))
    .map(([name]) => name);
}
