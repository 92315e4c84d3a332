import type { StagecraftOptions } from '../src/stage/types';
import { openbmcPackages } from './openbmc-catalog';
import { createTestWorkspace, writeBusyboxBase, type TestWorkspace } from './workspace';

export const OPENBMC_FINAL = 'final';

/** OpenBMC's 25 packages as stages with local sources, a busybox base stage, and a final aggregate stage. */
export function createOpenbmcWorkspace(options: StagecraftOptions = {}, parent?: string): TestWorkspace {
  const workspace = createTestWorkspace({ imageName: 'openbmc-test', defaultBase: 'base', ...options }, parent);
  writeOpenbmcStages(workspace);
  return workspace;
}

export function writeOpenbmcStages(workspace: Pick<TestWorkspace, 'root' | 'write'>): void {
  writeBusyboxBase(workspace);
  const packages = openbmcPackages();
  for (const { dir, stageJson } of packages) {
    workspace.write(`${dir}/stage.json`, stageJson);
    workspace.write(`${dir}/README.md`, `Local source of ${stageJson.name}.\n`);
  }
  workspace.write(`${OPENBMC_FINAL}/stage.json`, {
    name: OPENBMC_FINAL,
    build: { type: 'aggregate' },
    depends: packages.map((p) => p.stageJson.name!).sort(),
  });
}
