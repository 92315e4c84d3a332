/** The build-time rule for external bases: no build starts on a base that no pin names. */
import type { StagePlan } from '../key/plan';
import { definingFile } from '../stage/definition-files';
import { lockCommand } from '../identity/commands';

/** Why the stage must not be built, or undefined when its base (if external) is pinned. */
export function unpinnedBaseRefusal(plan: StagePlan): string | undefined {
  const base = plan.externalBase;
  if (!base || base.digest !== null) return undefined;
  const where = plan.stage.from === undefined ? ' (the plugin option defaultBase)' : '';
  return (
    `the external base '${base.image}'${where} of ${definingFile(plan.stage)} is not pinned to a digest, ` +
    `so the key cannot hold its content. Pin it with: ${lockCommand(plan.stage.name)}`
  );
}
