/** The Docker Engine edge: every call Stagecraft makes to the Engine goes through these modules. */
export { readFilesFromImage } from './archive';
export { buildFailure, buildImage, BuildError } from './build';
export type { BuildRequest, BuildResult, MissingUpstream } from './build';
export { packContext } from './context';
export type { ContextEntry, ContextSource } from './context';
export { connectEngine, describeEngineError, EngineError, engineErrorFor, engineLocation, ensureEngineReachable } from './engine';
export { compileGlob, globBaseDir, matchesGlob } from './glob';
export { parseImageRef } from './image-ref';
export type { ImageRef } from './image-ref';
export { imageExists, isNotFound, listLocalImages, listLocalTags, removeImages } from './images';
export { LABEL_KEY, LABEL_KEY_FORMAT, LABEL_REV, LABEL_STAGE, stageLabels } from './labels';
export type { StageLabelInput } from './labels';
export { LineSplitter, readEngineMessages } from './progress';
export type { EngineMessage } from './progress';
