/** Which of the files Nx hands the plugin define stages, and which define the workspace's other Nx projects. */
import { DOCKERFILE_NAME, STAGE_FILE_NAMES } from '../stage/definition-files';

/** The files that make a directory an Nx project without this plugin. */
export const PROJECT_FILE_NAMES: readonly string[] = ['project.json', 'package.json'];

/** The createNodes glob: stage files, and project files (to merge into those projects and keep clear of their names). */
export const DISCOVERY_GLOB = `**/{${[...STAGE_FILE_NAMES, ...PROJECT_FILE_NAMES].join(',')}}`;

/** Trees whose Dockerfiles are someone else's by default: vendored modules, third-party sources, test data. */
export const DEFAULT_SKIPPED_DIRECTORIES: readonly string[] = ['vendor', 'third_party', 'testdata'];

const NODE_MODULES = 'node_modules';

export interface DiscoveredFiles {
  /** The stage.json and Dockerfile files that may define stages. */
  stageFiles: string[];
  /** The project.json and package.json files. */
  projectFiles: string[];
}

/**
 * Sorts the files Nx matched ('/' separators). Nx already leaves out git-ignored
 * files and applies the plugin's include / exclude; this drops node_modules and
 * the Dockerfiles under a skipped directory. A stage.json is always the user's
 * own declaration, so it counts wherever it is.
 */
export function discoverFiles(configFiles: readonly string[], skippedDirectories: readonly string[] = DEFAULT_SKIPPED_DIRECTORIES): DiscoveredFiles {
  const skipped = new Set(skippedDirectories);
  const found: DiscoveredFiles = { stageFiles: [], projectFiles: [] };
  for (const file of configFiles.map((path) => path.split('\\').join('/'))) {
    const segments = file.split('/');
    const directories = segments.slice(0, -1);
    const name = segments[segments.length - 1];
    if (directories.includes(NODE_MODULES)) continue;
    if (PROJECT_FILE_NAMES.includes(name)) found.projectFiles.push(file);
    else if (STAGE_FILE_NAMES.includes(name) && !(name === DOCKERFILE_NAME && directories.some((dir) => skipped.has(dir)))) {
      found.stageFiles.push(file);
    }
  }
  found.stageFiles.sort();
  found.projectFiles.sort();
  return found;
}
