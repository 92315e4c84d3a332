/** The build-time rule for external images: no build starts on an image that no pin names. */
import type { StagePlan } from '../key/plan';
import { definingFile } from '../stage/definition-files';
import { lockCommand } from '../identity/commands';
import type { ExternalImageKind } from '../stage/external-images';

const USES: Record<ExternalImageKind, string> = {
  base: 'external base',
  from: 'external image (FROM)',
  'copy-from': 'external image (COPY --from)',
  'mount-from': 'external image (RUN --mount=from)',
  syntax: 'Dockerfile frontend (# syntax)',
};

/** Why the stage must not be built, or undefined when every external image it uses is pinned. */
export function unpinnedBaseRefusal(plan: StagePlan): string | undefined {
  const unpinned = plan.externalImages.filter((image) => image.digest === null);
  if (!unpinned.length) return undefined;
  const described = unpinned.map((image) => {
    const where = image.kind === undefined && plan.stage.from === undefined ? ' (the plugin option defaultBase)' : '';
    return `the ${USES[image.kind ?? 'base']} '${image.image}'${where}`;
  });
  return (
    `${described.join(', ')} of ${definingFile(plan.stage)} ${unpinned.length > 1 ? 'are' : 'is'} not pinned to a digest, ` +
    `so the key cannot hold ${unpinned.length > 1 ? 'their' : 'its'} content. Pin ${unpinned.length > 1 ? 'them' : 'it'} with: ${lockCommand(plan.stage.name)}`
  );
}
