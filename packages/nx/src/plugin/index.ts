import { createNodesExports } from '../nx-compat/nx-compat';
import { createNodesV2 as stageNodes } from './nodes';

export const { createNodes, createNodesV2 } = createNodesExports(stageNodes);
export { createDependencies } from './dependencies';
