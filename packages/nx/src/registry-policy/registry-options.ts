/** The registry options of the plugin entry in nx.json (and STAGECRAFT_PUSH), checked. */
import { PLUGIN_PACKAGE } from '../identity/identity';
import type { StagecraftOptions } from '../stage/types';

export interface RegistrySettings {
  /** host[:port][/path] of the workspace registry. */
  registry: string;
  push: boolean;
  /** Read-only registries to fall back on, in order. */
  upstreamRegistries: string[];
  /** Pull every stage found in a registry, not only those a build or `run` needs. */
  pullAlways: boolean;
}

const REGISTRY = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:]+\])(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*\/?$/;

/**
 * The settings of a run, or undefined when no registry is configured. `pullFlag` is docker-stage's
 * --pull; STAGECRAFT_PUSH=1 (or 0) overrides the push option. Throws naming nx.json and the field.
 */
export function registrySettings(options: StagecraftOptions, env: NodeJS.ProcessEnv, pullFlag = false): RegistrySettings | undefined {
  const { registry, push, upstreamRegistries, pull } = options;
  if (registry !== undefined && (typeof registry !== 'string' || !REGISTRY.test(registry))) {
    throw new Error(`${optionLocation('registry')}: expected host[:port][/path], like "registry.example:5000/ci", got ${JSON.stringify(registry)}`);
  }
  if (push !== undefined && typeof push !== 'boolean') throw new Error(`${optionLocation('push')}: expected true or false, got ${JSON.stringify(push)}`);
  if (upstreamRegistries !== undefined) {
    if (!Array.isArray(upstreamRegistries)) throw new Error(`${optionLocation('upstreamRegistries')}: expected an array of host[:port][/path] strings`);
    upstreamRegistries.forEach((entry, index) => {
      if (typeof entry !== 'string' || !REGISTRY.test(entry)) {
        throw new Error(`${optionLocation(`upstreamRegistries/${index}`)}: expected host[:port][/path], got ${JSON.stringify(entry)}`);
      }
    });
  }
  if (pull !== undefined && pull !== 'always' && pull !== 'when-needed') {
    throw new Error(`${optionLocation('pull')}: expected "always" or "when-needed", got ${JSON.stringify(pull)}`);
  }
  const pushEnv = env['STAGECRAFT_PUSH'];
  if (pushEnv !== undefined && pushEnv !== '' && pushEnv !== '0' && pushEnv !== '1') {
    throw new Error(`STAGECRAFT_PUSH: expected 1 (push) or 0 (do not push), got ${JSON.stringify(pushEnv)}`);
  }
  if (!registry) {
    if (pushEnv === '1' || push) throw new Error(`${optionLocation('registry')}: pushing is on but no registry is configured`);
    return undefined;
  }
  return {
    registry: registry.replace(/\/+$/, ''),
    push: pushEnv === '1' ? true : pushEnv === '0' ? false : Boolean(push),
    upstreamRegistries: (upstreamRegistries ?? []).map((entry) => entry.replace(/\/+$/, '')),
    pullAlways: pullFlag || pull === 'always',
  };
}

/** Where an option of the plugin is set, for messages. */
export function optionLocation(field: string): string {
  return `nx.json at the ${PLUGIN_PACKAGE} plugin's options/${field}`;
}

/** The option that configures a registry prefix of the settings: registry, or upstreamRegistries/<index>. */
export function settingOfRegistry(settings: RegistrySettings, prefix: string): string {
  const upstream = settings.upstreamRegistries.indexOf(prefix);
  return prefix !== settings.registry && upstream >= 0 ? `upstreamRegistries/${upstream}` : 'registry';
}

/** The registry host of a host[:port][/path] prefix. */
export function hostOf(prefix: string): string {
  return prefix.split('/')[0];
}
