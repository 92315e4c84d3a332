/** Comparing a stage's computed tag with its declaration, and the messages that say what to do. */
import { generatorCommand } from '../identity/identity';
import { includeOnly } from '../identity/commands';
import type { DeclaredTags } from './declared-tags-file';
import { bucketOf, keyMatchesTag, tagPartOf } from './tags';

export type TagCheck =
  | { stage: string; status: 'match'; computed: string; declared: string }
  | { stage: string; status: 'mismatch'; computed: string; declared: string }
  | { stage: string; status: 'undeclared'; computed: string };

/** Compares the tag of the stage's computed image reference (from the Planner) with the declared one. */
export function checkStageTag(stage: string, computedImageRef: string, declared: DeclaredTags): TagCheck {
  const computed = tagPartOf(computedImageRef);
  const declaration = declared.declarations.get(stage);
  if (!declaration) return { stage, status: 'undeclared', computed };
  return { stage, status: declaration.tag === computed ? 'match' : 'mismatch', computed, declared: declaration.tag };
}

/**
 * Why the check fails, or undefined when it passes. A stage with no
 * declaration fails only when declarations are required.
 */
export function tagCheckFailure(check: TagCheck, declared: DeclaredTags, requireDeclaredTags: boolean): string | undefined {
  if (check.status === 'match') return undefined;
  const update = updateCommandFor(check.stage);
  if (check.status === 'undeclared') {
    if (!requireDeclaredTags) return undefined;
    return (
      `stage ${check.stage} has no declared tag in ${declared.file} and requireDeclaredTags is on; ` +
      `its computed tag is ${check.computed}. Declare it with: ${update}`
    );
  }
  const where = `${declared.file}:${declared.declarations.get(check.stage)!.line}`;
  return (
    `stage ${check.stage}: computed tag ${check.computed} does not match the declared tag ${check.declared} (${where}). ` +
    `${bucketNote(check.declared, check.computed)}Update the declaration with: ${update}`
  );
}

/**
 * The test-time check (Mesa's ci_tag_test_time_check): the image's key label
 * must be the declared build. Returns why not, or undefined.
 */
export function imageKeyFailure(
  stage: string,
  imageRef: string,
  keyLabel: string | undefined,
  declared: DeclaredTags,
  requireDeclaredTags: boolean,
  dockerStageTarget: string,
): string | undefined {
  const declaration = declared.declarations.get(stage);
  if (!declaration) {
    return requireDeclaredTags
      ? `stage ${stage} has no declared tag in ${declared.file} and requireDeclaredTags is on: not running image ${imageRef}. Declare it with: ${updateCommandFor(stage)}`
      : undefined;
  }
  if (keyLabel && keyMatchesTag(keyLabel, declaration.tag)) return undefined;
  const carried = keyLabel ? `carries key ${keyLabel} (label dev.stagecraft.key)` : 'carries no dev.stagecraft.key label';
  return (
    `image ${imageRef} ${carried}, which is not the build declared for stage ${stage} in ` +
    `${declared.file}:${declaration.line} (${declaration.tag}): refusing to run it. ` +
    `Rebuild the stage (nx run ${stage}:${dockerStageTarget} --force) or update the declaration (${updateCommandFor(stage)})`
  );
}

/** The exact command that rewrites one stage's declaration. */
export function updateCommandFor(stage: string): string {
  return `${generatorCommand('update-tags')} ${includeOnly(stage)}`;
}

function bucketNote(declared: string, computed: string): string {
  const was = bucketOf(declared);
  const now = bucketOf(computed);
  if (!was || !now || was === now) return '';
  return `The time bucket moved from ${was} to ${now}: a stage with a refresh period gets a new tag each period. `;
}
