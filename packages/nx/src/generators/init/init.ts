import { formatFiles, readJson, readNxJson, updateNxJson, writeJson, type NxJsonConfiguration, type PluginConfiguration, type Tree } from '@nx/devkit';
import { PLUGIN_NAMES, PLUGIN_PACKAGE } from '../../identity/identity';
import { checkPluginOptions, optionLocation } from '../../stage/plugin-options';
import type { StagecraftOptions } from '../../stage/types';
import { defaultImageName } from './default-image-name';
import { defaultBasePins } from './pin-default-base';
import type { InitGeneratorSchema } from './schema';


/**
 * Registers the Stagecraft plugin in nx.json (`nx add @stagecraft/nx` runs this).
 * When it is registered already, the given options are merged into its entry.
 */
export async function initGenerator(tree: Tree, schema: InitGeneratorSchema): Promise<void> {
  const given = givenOptions(schema);
  const nxJson: NxJsonConfiguration = readNxJson(tree) ?? {};
  const plugins = nxJson.plugins ?? [];
  const index = plugins.findIndex((entry) => PLUGIN_NAMES.includes(typeof entry === 'string' ? entry : entry.plugin));
  if (index === -1) {
    const options = { imageName: defaultImageName(workspacePackageName(tree)), ...given };
    checkOptions(options, given);
    nxJson.plugins = [...plugins, { plugin: PLUGIN_PACKAGE, options }];
  } else if (Object.keys(given).length > 0) {
    const registered = asObject(plugins[index]);
    const options: StagecraftOptions = { ...(registered.options as StagecraftOptions | undefined), ...given };
    checkOptions(options, given);
    nxJson.plugins = plugins.map((entry, i) => (i === index ? { ...registered, options } : entry));
  }
  const writePins = await defaultBasePins(tree, given.defaultBase);
  // updateNxJson only edits an nx.json that exists.
  if (tree.exists('nx.json')) updateNxJson(tree, nxJson);
  else writeJson(tree, 'nx.json', nxJson);
  writePins();
  if (!schema.skipFormat) await formatFiles(tree);
}

export default initGenerator;

function givenOptions(schema: InitGeneratorSchema): StagecraftOptions {
  const { imageName, registry, defaultBase, defaultRefresh } = schema;
  const options: StagecraftOptions = { imageName, registry, defaultBase, defaultRefresh };
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

function asObject(entry: PluginConfiguration): Exclude<PluginConfiguration, string> {
  return typeof entry === 'string' ? { plugin: entry } : entry;
}

function workspacePackageName(tree: Tree): unknown {
  if (!tree.exists('package.json')) return undefined;
  return readJson<{ name?: unknown }>(tree, 'package.json').name;
}

/** The options init writes, checked as every reader checks them; a field given on the command line is named as its flag. */
function checkOptions(options: StagecraftOptions, given: StagecraftOptions): void {
  checkPluginOptions(options, (field) => (field.split('/')[0] in given ? `--${field}` : optionLocation(field)));
}
