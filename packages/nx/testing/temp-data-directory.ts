import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * nx's cache-directory module with the workspace data directory in a fresh
 * temp directory, for `jest.mock('nx/src/utils/cache-directory', ...)`: the
 * plugin's on-disk stage cache then never goes to this repository's .nx.
 */
export function cacheDirectoryInTemp(): Record<string, unknown> {
  return {
    ...jest.requireActual('nx/src/utils/cache-directory'),
    workspaceDataDirectory: mkdtempSync(join(tmpdir(), 'stagecraft-plugin-data-')),
  };
}
