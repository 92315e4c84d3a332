import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { KEY_FORMAT } from '../key/key';
import { openWorkspaceCache, type WorkspaceCache } from '../nx-compat/nx-compat';
import { PLUGIN_VERSION } from '../identity/identity';
import { STAGE_FILE_NAME } from '../stage/definition-files';
import type { Stage } from '../stage/types';
import { STAGE_DEFINITION_FILES } from '../stage/pins';

/** A new key format or plugin version never reads stages cached by an older one. */
const CACHE_SALT = `stagecraft-stages-v${KEY_FORMAT}-${PLUGIN_VERSION}`;

/** The on-disk cache of loaded stages, shared by createNodes and createDependencies. */
export function openStageCache(): WorkspaceCache<Stage> {
  return openWorkspaceCache<Stage>('stagecraft-stages.hash');
}

/** Every file a loaded stage is read from: its definition files and its pin file. */

/**
 * The stage directories that hold the given stage.json / Dockerfile files
 * (workspace root excluded), sorted. A directory with only a Dockerfile inside
 * another stage's directory is vendored source (e.g. a fuzzing Dockerfile in an
 * unpacked tarball), not a stage.
 */
export function stageDirectories(configFiles: readonly string[]): string[] {
  const files = configFiles.map((file) => file.split('\\').join('/'));
  const dirs = [...new Set(files.map((file) => posix.dirname(file)))].filter((dir) => dir !== '.').sort();
  const withStageJson = new Set(files.filter((file) => posix.basename(file) === STAGE_FILE_NAME).map(posix.dirname));
  const insideAnother = (dir: string) => dirs.some((other) => other !== dir && dir.startsWith(`${other}/`));
  return dirs.filter((dir) => withStageJson.has(dir) || !insideAnother(dir));
}

/** A hash of a stage directory's definition and pin files, used as its cache key. */
export function definitionHash(workspaceRoot: string, dir: string, salt: string): string {
  const hash = createHash('sha256').update(salt).update(dir);
  for (const name of STAGE_DEFINITION_FILES) {
    const file = join(workspaceRoot, dir, name);
    hash.update(`\0${name}\0`);
    if (existsSync(file)) hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

/** A stage directory, and the name it must take (its Nx project's) when that is known. */
export interface StageLocation {
  root: string;
  name?: string;
}

/** Loads stages, reusing cached ones whose definition files did not change. */
export function loadStagesCached(
  workspaceRoot: string,
  locations: readonly StageLocation[],
  cache: { get(key: string): Stage | undefined; set(key: string, value: Stage): void },
): { stages: Stage[]; errors: Error[]; unloaded: Set<string> } {
  const stages: Stage[] = [];
  const errors: Error[] = [];
  const unloaded = new Set<string>();
  for (const { root: dir, name } of locations) {
    const cacheKey = definitionHash(workspaceRoot, dir, `${CACHE_SALT}\0${name ?? ''}`);
    const cached = cache.get(cacheKey);
    if (cached) {
      stages.push(cached);
      continue;
    }
    try {
      // Loaded lazily: the validator (ajv) is only needed when a definition changed.
      const { loadStage } = require('../stage/load') as typeof import('../stage/load');
      const stage = loadStage(workspaceRoot, dir, name);
      cache.set(cacheKey, stage);
      stages.push(stage);
    } catch (error) {
      errors.push(error as Error);
      unloaded.add(name ?? declaredStageName(workspaceRoot, dir) ?? posix.basename(dir));
    }
  }
  return { stages, errors, unloaded };
}

/**
 * The "name" a directory's stage.json declares, when that much of it can be
 * read: what a stage that fails to load was meant to be called, so errors that
 * only follow from the failure (a dependent's "no stage named ...") leave it out.
 */
export function declaredStageName(workspaceRoot: string, dir: string): string | undefined {
  try {
    const { name } = JSON.parse(readFileSync(join(workspaceRoot, dir, STAGE_FILE_NAME), 'utf8')) as { name?: unknown };
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}
