/** The declared-tags checks executors run when the plugin option verifyDeclaredTags is on. */
import type { ResolvedOptions } from '../stage/types';
import { checkStageTag, tagCheckFailure } from './check';
import { readDeclaredTags, type DeclaredTags } from './declared-tags-file';

/** The declarations to verify against, or undefined when verifyDeclaredTags is off. */
export function declarationsToVerify(workspaceRoot: string, options: ResolvedOptions): DeclaredTags | undefined {
  return options.verifyDeclaredTags ? readDeclaredTags(workspaceRoot, options.declaredTags) : undefined;
}

/** Why a stage with this computed image reference must not be built, or undefined. */
export function buildTimeRefusal(stage: string, computedImageRef: string, declared: DeclaredTags, options: ResolvedOptions): string | undefined {
  const failure = tagCheckFailure(checkStageTag(stage, computedImageRef, declared), declared, options.requireDeclaredTags ?? false);
  return failure && `refusing to build (verifyDeclaredTags): ${failure}`;
}
