import type { NxJsonConfiguration } from '@nx/devkit';
import { PLUGIN_NAMES } from '../identity/identity';
import type { StagecraftOptions } from './types';

/** The options of the Stagecraft entry in nx.json's plugins, or {} when it is registered without options. */
export function pluginOptionsFrom(nxJson: NxJsonConfiguration | undefined): StagecraftOptions {
  for (const entry of nxJson?.plugins ?? []) {
    if (typeof entry === 'string') {
      if (PLUGIN_NAMES.includes(entry)) return {};
    } else if (PLUGIN_NAMES.includes(entry.plugin)) {
      return (entry.options ?? {}) as StagecraftOptions;
    }
  }
  return {};
}
