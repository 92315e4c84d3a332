export { createNodes, createNodesV2 } from './nodes';
export { createDependencies } from './dependencies';
