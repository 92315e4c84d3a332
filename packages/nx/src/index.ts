export { createNodes, createNodesV2, createDependencies } from './plugin';
export type { StagecraftOptions, StageFile, Stage } from './stage/types';
