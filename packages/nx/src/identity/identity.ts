/** Who the plugin is to Nx: the package name nx.json, executors and generators are referred by, and its version. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** package.json, found from src/identity (ts-jest) and dist/identity (the published package) alike. */
const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { name: string; version: string };

export const PLUGIN_PACKAGE = manifest.name;
export const PLUGIN_VERSION = manifest.version;

/** The names nx.json may register the plugin under. */
export const PLUGIN_NAMES: readonly string[] = [PLUGIN_PACKAGE, `${PLUGIN_PACKAGE}/plugin`];

/** The executor reference a target carries, e.g. @stagecraft/nx:docker-stage. */
export function executorName(executor: string): string {
  return `${PLUGIN_PACKAGE}:${executor}`;
}

/** True for an executor reference of this plugin. */
export function isPluginExecutor(executor: string | undefined): boolean {
  return executor?.startsWith(`${PLUGIN_PACKAGE}:`) ?? false;
}

/** The command that runs one of the plugin's generators, e.g. nx g @stagecraft/nx:update-tags. */
export function generatorCommand(generator: string): string {
  return `nx g ${PLUGIN_PACKAGE}:${generator}`;
}
