import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { PluginCache } from 'nx/src/utils/plugin-cache-utils';
import { workspaceDataDirectory } from 'nx/src/utils/cache-directory';
import { KEY_FORMAT } from '../key/key';
import type { Stage } from '../stage/types';
import { PIN_FILE_NAME } from '../stage/pins';

const CACHE_SALT = `stagecraft-stages-v${KEY_FORMAT}`;

/** The on-disk cache of loaded stages, shared by createNodes and createDependencies. */
export function openStageCache(): PluginCache<Stage> {
  return new PluginCache<Stage>(join(workspaceDataDirectory, 'stagecraft-stages.hash'));
}

export const STAGE_FILE_NAMES = ['stage.json', 'Dockerfile'] as const;
/** Every file a loaded stage is read from: its definition files and its pin file. */
const STAGE_SOURCE_FILES = [...STAGE_FILE_NAMES, PIN_FILE_NAME];

/**
 * The stage directories that hold the given stage.json / Dockerfile files
 * (workspace root excluded), sorted. A directory with only a Dockerfile inside
 * another stage's directory is vendored source (e.g. a fuzzing Dockerfile in an
 * unpacked tarball), not a stage.
 */
export function stageDirectories(configFiles: readonly string[]): string[] {
  const files = configFiles.map((file) => file.split('\\').join('/'));
  const dirs = [...new Set(files.map((file) => posix.dirname(file)))].filter((dir) => dir !== '.').sort();
  const withStageJson = new Set(files.filter((file) => posix.basename(file) === 'stage.json').map(posix.dirname));
  const insideAnother = (dir: string) => dirs.some((other) => other !== dir && dir.startsWith(`${other}/`));
  return dirs.filter((dir) => withStageJson.has(dir) || !insideAnother(dir));
}

/** A hash of a stage directory's definition and pin files, used as its cache key. */
export function definitionHash(workspaceRoot: string, dir: string, salt: string): string {
  const hash = createHash('sha256').update(salt).update(dir);
  for (const name of STAGE_SOURCE_FILES) {
    const file = join(workspaceRoot, dir, name);
    hash.update(`\0${name}\0`);
    if (existsSync(file)) hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

/** Loads stages, reusing cached ones whose definition files did not change. */
export function loadStagesCached(
  workspaceRoot: string,
  dirs: string[],
  cache: { get(key: string): Stage | undefined; set(key: string, value: Stage): void },
): { stages: Stage[]; errors: Error[] } {
  const stages: Stage[] = [];
  const errors: Error[] = [];
  for (const dir of dirs) {
    const cacheKey = definitionHash(workspaceRoot, dir, CACHE_SALT);
    const cached = cache.get(cacheKey);
    if (cached) {
      stages.push(cached);
      continue;
    }
    try {
      // Loaded lazily: the validator (ajv) is only needed when a definition changed.
      const { loadStage } = require('../stage/load') as typeof import('../stage/load');
      const stage = loadStage(workspaceRoot, dir);
      cache.set(cacheKey, stage);
      stages.push(stage);
    } catch (error) {
      errors.push(error as Error);
    }
  }
  return { stages, errors };
}
