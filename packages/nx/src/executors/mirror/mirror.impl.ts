import type { ExecutorContext } from '@nx/devkit';
import { stageContextFor } from '../../ensure/stage-context';
import { registrySettings } from '../../registry-policy/registry-options';
import { unpinnedBaseRefusal } from '../../bases/unpinned';
import { reportFailure } from '../shared/report-failure';
import type { MirrorExecutorOptions } from './schema';

/** Copies every pinned external image of the stage (its base, or its Dockerfile's images) into the workspace registry's mirror. */
export default async function mirrorExecutor(_options: MirrorExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const stage = context.projectName!;
  try {
    const { planner, options } = stageContextFor(context, [stage]);
    const plan = await planner.plan(stage);
    if (!plan.externalImages.length) {
      process.stdout.write(`${stage}: no external image to mirror\n`);
      return { success: true };
    }
    const refusal = unpinnedBaseRefusal(plan);
    if (refusal) throw new Error(refusal);
    const settings = registrySettings(options, process.env);
    if (!settings) throw new Error('mirroring needs a workspace registry: set the plugin option registry in nx.json');
    const { mirrorBase } = await import('../../bases/mirror');
    const { RegistryClients } = await import('../../registry/clients');
    const clients = new RegistryClients();
    for (const image of plan.externalImages) {
      const pin = image.pin ?? { image: image.image, digest: image.digest! };
      const { ref, copied } = await mirrorBase(pin, settings.registry, clients);
      process.stdout.write(`${stage}: ${copied ? `mirrored ${image.image} to` : 'the mirror already holds'} ${ref}\n`);
    }
    return { success: true };
  } catch (error) {
    return reportFailure(stage, error);
  }
}
