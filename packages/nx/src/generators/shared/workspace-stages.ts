import { readNxJson, type Tree } from '@nx/devkit';
import { visitNotIgnoredFiles } from '../../nx-compat/nx-compat';
import { posix } from 'node:path';
import { discoverFiles, PROJECT_FILE_NAMES } from '../../plugin/discovery';
import { readExistingProjects } from '../../plugin/existing-projects';
import { PLUGIN_PACKAGE } from '../../identity/identity';
import { stageDirectories } from '../../plugin/stage-files';
import { assignStageNames } from '../../plugin/stage-names';
import { DOCKERFILE_NAME, STAGE_FILE_NAME, STAGE_FILE_NAMES } from '../../stage/definition-files';
import { pluginOptionsFrom, resolveOptions } from '../../stage/plugin-options';
import type { ResolvedOptions } from '../../stage/types';

/** The stages a workspace already has, as the plugin would find them: name -> the file that defines it. */
export interface WorkspaceStages {
  byName: Map<string, string>;
  /** Stage directories (relative to the workspace root). */
  roots: Set<string>;
  options: ResolvedOptions;
}

/** Reads the stages from the generator's tree, so files written earlier in the same run count, named as the plugin names them. */
export function workspaceStages(tree: Tree): WorkspaceStages {
  const options = resolveOptions(pluginOptionsFrom(readNxJson(tree) ?? undefined));
  const files: string[] = [];
  visitNotIgnoredFiles(tree, '', (path) => {
    const name = posix.basename(path);
    if (STAGE_FILE_NAMES.includes(name) || PROJECT_FILE_NAMES.includes(name)) files.push(path);
  });
  const { stageFiles, projectFiles } = discoverFiles(files, options.skipDirectories);
  const projects = readExistingProjects(tree.root, projectFiles);
  const dirs = stageDirectories(stageFiles);
  const fileOf = (dir: string) => (tree.exists(posix.join(dir, STAGE_FILE_NAME)) ? posix.join(dir, STAGE_FILE_NAME) : posix.join(dir, DOCKERFILE_NAME));
  const { names } = assignStageNames(
    dirs.map((root) => {
      const declared = declaredName(tree, posix.join(root, STAGE_FILE_NAME));
      const project = projects.get(root);
      return { root, file: fileOf(root), ...(declared !== undefined && { declared }), ...(project && { project }) };
    }),
    projects,
  );
  const byName = new Map<string, string>();
  for (const [root, name] of [...names].sort(([a], [b]) => a.localeCompare(b))) {
    if (!byName.has(name)) byName.set(name, fileOf(root));
  }
  return { byName, roots: new Set(dirs), options };
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
