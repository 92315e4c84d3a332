import type { CliWorkspace } from './workspace';

export const QUERY_USAGE = [
  'stagecraft tag <stage>                      the stage\'s tag alone (no Docker needed)',
  'stagecraft plan <stage> [--json]            tag, key document and rendered Dockerfile (no Docker needed)',
  'stagecraft status [<stage>...] [--json]     present, remote (in the registry), or to be built and why; builds nothing',
];

export const QUERY_VERBS = ['tag', 'plan', 'status'] as const;
export type QueryVerb = (typeof QUERY_VERBS)[number];

interface QueryArgs {
  stages: string[];
  json: boolean;
}

/**
 * The script-facing verbs. They plan with the same planner as the targets and
 * write only their answer through `answer`; everything else goes to stderr.
 * Returns the exit status.
 */
export async function runQueryCli(
  verb: QueryVerb,
  args: string[],
  answer: (text: string) => void,
  loadWorkspace: () => Promise<CliWorkspace>,
): Promise<number> {
  const parsed = parseQueryArgs(verb, args);
  if (typeof parsed === 'string') {
    process.stderr.write(`stagecraft ${verb}: ${parsed}\nusage:\n${QUERY_USAGE.map((line) => `  ${line}`).join('\n')}\n`);
    return 2;
  }
  const workspace = await loadWorkspace();
  const { stageProjectNamed } = await import('./workspace');
  const stages = parsed.stages.length ? parsed.stages : Object.keys(workspace.stages).sort();
  for (const stage of stages) stageProjectNamed(workspace, stage);

  const { stageContextFor } = await import('../ensure/stage-context');
  const stageContext = stageContextFor(workspace.context, stages);
  if (verb === 'status') {
    const { workspaceStatuses, statusText } = await import('../ensure/stage-status');
    const statuses = await workspaceStatuses(stageContext, stages);
    answer(parsed.json ? `${JSON.stringify(statuses)}\n` : statusText(statuses));
    return 0;
  }
  const plan = await stageContext.planner.plan(stages[0]);
  stageContext.hashCache.save();
  for (const notice of plan.notices) process.stderr.write(`${plan.stage.name}: ${notice}\n`);
  if (verb === 'tag') {
    answer(`${plan.tag}\n`);
  } else {
    const { planJson, planText } = await import('../key/plan-output');
    answer(parsed.json ? `${JSON.stringify(planJson(plan))}\n` : planText(plan));
  }
  return 0;
}

function parseQueryArgs(verb: QueryVerb, args: string[]): QueryArgs | string {
  const flags = args.filter((arg) => arg.startsWith('-'));
  const stages = args.filter((arg) => !arg.startsWith('-'));
  const allowedFlags = verb === 'tag' ? [] : ['--json'];
  const unknown = flags.find((flag) => !allowedFlags.includes(flag));
  if (unknown) return `unknown option ${unknown}`;
  if (verb !== 'status' && stages.length !== 1) return 'give exactly one stage';
  return { stages, json: flags.includes('--json') };
}
