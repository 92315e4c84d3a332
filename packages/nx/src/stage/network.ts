/** What a stage's `network` means for the people who build it: the refresh warning and the hint after a failed RUN. */
import { posix } from 'path';
import { definingFile, DOCKERFILE_NAME, STAGE_FILE_NAME } from './definition-files';
import type { NetworkMode, Refresh, Stage } from './types';
import { PLUGIN_PACKAGE } from '../identity/identity';

/** The network a stage builds on: "none" unless its stage.json declares one. */
export function networkOf(stage: Pick<Stage, 'network'>): NetworkMode {
  return stage.network ?? 'none';
}

/** How status lines and the run summary mark a networked stage. */
export function networkMark(network: Exclude<NetworkMode, 'none'>): string {
  return `(network: ${network})`;
}

/**
 * A networked stage's result depends on what the servers held when it was
 * built; with refresh "never" its tag never moves, so it never fetches again.
 * The warning names the field that chose "never": the stage's own refresh, or
 * the workspace's defaultRefresh in nx.json.
 */
export function networkRefreshWarning(stage: Stage, refresh: Refresh): string | undefined {
  if (stage.network === undefined || refresh !== 'never') return undefined;
  const declared = `"network": "${stage.network}"`;
  const advice = 'give it a refresh period (day, isoweek or month) so that it downloads again, as OpenBMC refreshes its base weekly';
  if (stage.refresh === 'never') {
    return (
      `warning: ${stage.stageFile} at /refresh: "never" on a stage with ${declared}: ` +
      `its image keeps what the servers served at its first build and is never built again; ${advice}`
    );
  }
  return (
    `warning: nx.json at the ${PLUGIN_PACKAGE} plugin's options/defaultRefresh: "never" applies to ${stage.stageFile}, ` +
    `which declares ${declared}: its image is never built again; set "refresh" in ${stage.stageFile}: ${advice}`
  );
}

/**
 * The line that ends the message of a RUN that failed, when the stage's
 * network may be why: a stage without network (a download fails in many ways:
 * no route, no DNS, a tool's own message), or "default" on an Engine without
 * a bridge network (`dockerd --bridge=none`), where BuildKit cannot start the step.
 */
export function failedRunHint(stage: Stage, engineMessage: string): string | undefined {
  if (stage.network === undefined) {
    const where = stage.stageFile
      ? `in ${stage.stageFile}`
      : `in a ${STAGE_FILE_NAME} beside its ${DOCKERFILE_NAME} (${posix.join(stage.root, STAGE_FILE_NAME)})`;
    return `stage ${stage.name} builds with no network (${definingFile(stage)}): if this step downloads, declare "network": "host" (or "default") ${where}`;
  }
  if (stage.network === 'default' && /network bridge not found/i.test(engineMessage)) {
    return (
      `${stage.stageFile} at /network: "default" is the Engine's bridge network, and this Engine has none (dockerd --bridge=none): ` +
      'declare "network": "host", or start the Engine with a bridge'
    );
  }
  return undefined;
}
