import { readNxJson, type Tree } from '@nx/devkit';
import { visitNotIgnoredFiles } from '../../nx-compat/nx-compat';
import { posix } from 'node:path';
import { PLUGIN_PACKAGE } from '../../identity/identity';
import { stageDirectories } from '../../plugin/stage-files';
import { DOCKERFILE_NAME, STAGE_FILE_NAME, STAGE_FILE_NAMES } from '../../stage/definition-files';
import { stageNameFromDirectory } from '../../stage/names';
import { pluginOptionsFrom } from '../../stage/plugin-options';
import { resolveOptions, type ResolvedOptions } from '../../stage/types';

/** The stages a workspace already has, as the plugin would find them: name -> the file that defines it. */
export interface WorkspaceStages {
  byName: Map<string, string>;
  /** Stage directories (relative to the workspace root). */
  roots: Set<string>;
  options: ResolvedOptions;
}

/** Reads the stages from the generator's tree, so files written earlier in the same run count. */
export function workspaceStages(tree: Tree): WorkspaceStages {
  const definitionFiles: string[] = [];
  visitNotIgnoredFiles(tree, '', (path) => {
    if (STAGE_FILE_NAMES.includes(posix.basename(path))) definitionFiles.push(path);
  });
  const byName = new Map<string, string>();
  const roots = new Set<string>();
  for (const dir of stageDirectories(definitionFiles)) {
    roots.add(dir);
    const stageFile = posix.join(dir, STAGE_FILE_NAME);
    const file = tree.exists(stageFile) ? stageFile : posix.join(dir, DOCKERFILE_NAME);
    const name = declaredName(tree, stageFile) ?? nameOf(dir);
    if (name !== undefined && !byName.has(name)) byName.set(name, file);
  }
  return { byName, roots, options: resolveOptions(pluginOptionsFrom(readNxJson(tree) ?? undefined)) };
}

function declaredName(tree: Tree, stageFile: string): string | undefined {
  if (!tree.exists(stageFile)) return undefined;
  try {
    const name = (JSON.parse(tree.read(stageFile, 'utf8') ?? '') as { name?: unknown }).name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

function nameOf(dir: string): string | undefined {
  try {
    return stageNameFromDirectory(dir);
  } catch {
    return undefined;
  }
}

/** The $schema value for a stage.json in `dir`: the installed plugin's schema, relative to the file. */
export function stageSchemaPath(dir: string): string {
  return posix.relative(dir, `node_modules/${PLUGIN_PACKAGE}/schemas/stage.json`);
}

/** A workspace-relative directory in normal form ('/' separators, no trailing '/'), or an error for one outside. */
export function workspaceDirectory(given: string, what: string): string {
  const normalized = posix.normalize(given.split('\\').join('/')).replace(/\/+$/, '');
  if (normalized === '..' || normalized.startsWith('../') || normalized.startsWith('/')) {
    throw new Error(`${what} '${given}' is outside the workspace; give a directory relative to the workspace root`);
  }
  return normalized === '.' ? '' : normalized;
}
