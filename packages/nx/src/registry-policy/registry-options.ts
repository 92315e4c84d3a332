/** The registry options of the plugin entry in nx.json (and STAGECRAFT_PUSH), checked. */
import { RegistryPrefix } from '../registry/reference';
import { optionLocation } from '../stage/plugin-options';
import type { ResolvedOptions } from '../stage/types';

export interface RegistrySettings {
  /** host[:port][/path] of the workspace registry. */
  registry: string;
  push: boolean;
  /** Read-only registries to fall back on, in order. */
  upstreamRegistries: string[];
  /** Pull every stage found in a registry, not only those a build or `run` needs. */
  pullAlways: boolean;
}

/**
 * The settings of a run, or undefined when no registry is configured. The options come checked
 * (resolveOptions); `pullFlag` is docker-stage's --pull; STAGECRAFT_PUSH=1 (or 0) overrides the
 * push option. Throws naming nx.json and the field, or the variable.
 */
export function registrySettings(options: Pick<ResolvedOptions, 'registry' | 'push' | 'upstreamRegistries' | 'pull'>, env: NodeJS.ProcessEnv, pullFlag = false): RegistrySettings | undefined {
  const { registry, push, upstreamRegistries, pull } = options;
  const pushEnv = env['STAGECRAFT_PUSH'];
  if (pushEnv !== undefined && pushEnv !== '' && pushEnv !== '0' && pushEnv !== '1') {
    throw new Error(`STAGECRAFT_PUSH: expected 1 (push) or 0 (do not push), got ${JSON.stringify(pushEnv)}`);
  }
  if (!registry) {
    if (pushEnv === '1' || push) throw new Error(`${optionLocation('registry')}: pushing is on but no registry is configured`);
    return undefined;
  }
  return {
    registry: String(RegistryPrefix.parse(registry)),
    push: pushEnv === '1' ? true : pushEnv === '0' ? false : Boolean(push),
    upstreamRegistries: (upstreamRegistries ?? []).map((entry) => String(RegistryPrefix.parse(entry))),
    pullAlways: pullFlag || pull === 'always',
  };
}

/** The option that configures a registry prefix of the settings: registry, or upstreamRegistries/<index>. */
export function settingOfRegistry(settings: RegistrySettings, prefix: string): string {
  const upstream = settings.upstreamRegistries.indexOf(prefix);
  return prefix !== settings.registry && upstream >= 0 ? `upstreamRegistries/${upstream}` : 'registry';
}
