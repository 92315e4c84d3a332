import { failedRunHint } from './network';
import type { Stage } from './types';

const STAGE: Stage = {
  name: 'tools',
  root: 'images/tools',
  stageFile: 'images/tools/stage.json',
  depends: [],
  build: { type: 'custom', steps: ['apt-get update'] },
  inputs: [],
  env: [],
  exports: { copy: [], packages: [] },
  hashMode: 'content',
  consumePackages: false,
};
const REFUSED = 'executor failed running [/bin/sh -c apt-get update]: exit code: 100';

describe('failedRunHint', () => {
  it('tells a stage without network where to declare one: its stage.json, or one beside its Dockerfile', () => {
    expect(failedRunHint(STAGE, REFUSED)).toBe(
      'stage tools builds with no network (images/tools/stage.json): if this step downloads, declare "network": "host" (or "default") in images/tools/stage.json',
    );
    const { stageFile: _stageFile, ...dockerfileOnly } = { ...STAGE, dockerfilePath: 'images/tools/Dockerfile', build: { type: 'dockerfile' as const } };
    expect(failedRunHint(dockerfileOnly, REFUSED)).toBe(
      'stage tools builds with no network (images/tools/Dockerfile): if this step downloads, declare "network": "host" (or "default") in a stage.json beside its Dockerfile (images/tools/stage.json)',
    );
  });

  it('names /network when "default" meets an Engine without a bridge network', () => {
    const noBridge = 'executor failed running [/bin/sh -c apt-get update]: network bridge not found';
    expect(failedRunHint({ ...STAGE, network: 'default' }, noBridge)).toMatch(/^images\/tools\/stage\.json at \/network: "default" is the Engine's bridge network, and this Engine has none .*declare "network": "host"/);
  });

  it('says nothing of a networked stage whose step failed for its own reasons', () => {
    expect(failedRunHint({ ...STAGE, network: 'default' }, REFUSED)).toBeUndefined();
    expect(failedRunHint({ ...STAGE, network: 'host' }, 'network bridge not found')).toBeUndefined();
  });
});
