import type { ExecutorContext } from '@nx/devkit';
import { stageContextFor } from '../../ensure/stage-context';
import { registrySettings } from '../../registry-policy/registry-options';
import { unpinnedBaseRefusal } from '../../bases/unpinned';
import { reportFailure } from '../shared/report-failure';
import type { MirrorExecutorOptions } from './schema';

/** Copies the stage's pinned external base into the workspace registry's mirror. */
export default async function mirrorExecutor(_options: MirrorExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const stage = context.projectName!;
  try {
    const { planner, options } = stageContextFor(context, [stage]);
    const plan = await planner.plan(stage);
    const base = plan.externalBase;
    if (!base) {
      process.stdout.write(`${stage}: no external base to mirror\n`);
      return { success: true };
    }
    const refusal = unpinnedBaseRefusal(plan);
    if (refusal) throw new Error(refusal);
    const settings = registrySettings(options, process.env);
    if (!settings) throw new Error('mirroring needs a workspace registry: set the plugin option registry in nx.json');
    const { mirrorBase } = await import('../../bases/mirror');
    const pin = base.pin ?? { image: base.image, digest: base.digest! };
    const { ref, copied } = await mirrorBase(pin, settings.registry);
    process.stdout.write(`${stage}: ${copied ? `mirrored ${base.image} to` : 'the mirror already holds'} ${ref}\n`);
    return { success: true };
  } catch (error) {
    return reportFailure(stage, error);
  }
}
