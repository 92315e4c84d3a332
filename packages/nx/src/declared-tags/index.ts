/** Declared tags (Mesa's structured tagging): a YAML file that pins each stage's tag, checked before building and running. */
export { checkStageTag, imageKeyFailure, tagCheckFailure, updateCommandFor } from './check';
export type { TagCheck } from './check';
export { DeclaredTagsError, ensureDeclaredStagesExist, parseDeclaredTags, readDeclaredTags } from './declared-tags-file';
export type { Declaration, DeclaredTags } from './declared-tags-file';
export { unifiedDiff } from './diff';
export { compilePatterns, InvalidPatternError, selectStages } from './select';
export type { StageSelection } from './select';
export { bucketOf, keyMatchesTag, tagPartOf } from './tags';
export { withDeclaredTags } from './update';
export { buildTimeRefusal, buildTimeRefusals, declarationsToVerify } from './verify';
