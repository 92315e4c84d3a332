import { stageNameFromDirectory } from '../../stage/names';
import { DEFAULT_OPTIONS } from '../../stage/types';

/**
 * A Docker repository name made from a package.json name: '@acme/Shop' becomes
 * 'acme-shop'. Names with nothing usable in them give the plugin's default.
 */
export function defaultImageName(packageName: unknown): string {
  if (typeof packageName !== 'string') return DEFAULT_OPTIONS.imageName;
  try {
    return stageNameFromDirectory(packageName.replace(/[/\\]+/g, '-'));
  } catch {
    return DEFAULT_OPTIONS.imageName;
  }
}
