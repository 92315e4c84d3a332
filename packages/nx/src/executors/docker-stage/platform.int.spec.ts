import Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import { arch } from 'node:os';
import { join } from 'node:path';
import { removeImagesNamed, uniqueImageName } from '../../../testing/engine';
import { summaryStatuses } from '../../../testing/summary';
import { createTestWorkspace, writeBusyboxBase, type TestWorkspace } from '../../../testing/workspace';
import type { StagecraftOptions } from '../../stage/types';

const docker = new Docker();
const CLOCK = { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' };
/** Only the machine's own platform can run a RUN step here (no emulation, nothing to pull). */
const NATIVE = arch() === 'arm64' ? 'arm64' : 'amd64';
const FOREIGN = NATIVE === 'arm64' ? 'amd64' : 'arm64';

/**
 * base (busybox, RUN) <- app (RUN); files and legacy-files: FROM scratch and
 * COPY only, which any platform can build without running anything.
 */
describe('the platform option reaches the Engine (real engine)', () => {
  const imageName = uniqueImageName('platform');
  let workspace: TestWorkspace;
  const usePlatform = (platform?: string, builder?: StagecraftOptions['builder']) => {
    const options: StagecraftOptions = { imageName, defaultBase: 'base', ...(platform && { platform }), ...(builder && { builder }) };
    workspace.write('nx.json', { plugins: [{ plugin: '@stagecraft/nx', options }] });
  };
  const plan = (stage: string): { key: string } => {
    const run = workspace.nx(['run', `${stage}:stage-plan`, '--json', '--skip-nx-cache', '--output-style=static'], CLOCK);
    expect(run.status).toBe(0);
    return JSON.parse(run.stdout.split('\n').find((line) => line.startsWith('{"stage":'))!);
  };
  const build = (stages: string[]) => {
    const run = workspace.nx(['run-many', '-t', 'docker-stage', '-p', ...stages, '--output-style=static'], CLOCK);
    expect(run.stdout + run.stderr).not.toContain('failed');
    expect(run.status).toBe(0);
    return summaryStatuses(run.stdout + run.stderr);
  };
  const manifest = (stage: string): { key: string; tag: string; keyDocument: { platform: string } } =>
    JSON.parse(readFileSync(join(workspace.root, 'dist/stagecraft', `${stage}.json`), 'utf8'));
  const platformOf = async (tag: string) => {
    const image = await docker.getImage(tag).inspect();
    return `${image.Os}/${image.Architecture}`;
  };

  beforeAll(() => {
    workspace = createTestWorkspace({ imageName, defaultBase: 'base', platform: `linux/${NATIVE}` });
    writeBusyboxBase(workspace);
    workspace.write('app/stage.json', { build: { type: 'custom', steps: ['true'] } });
    for (const stage of ['files', 'legacy-files']) {
      workspace.write(`${stage}/Dockerfile`, 'FROM scratch\nCOPY note.txt /note.txt\n');
      workspace.write(`${stage}/note.txt`, `${stage}: no RUN step, so any platform builds without emulation\n`);
    }
  });
  afterAll(async () => {
    workspace.remove();
    await removeImagesNamed(imageName);
  });

  it(`builds for the native platform it names (linux/${NATIVE}): the images say so, and the key is the default's`, async () => {
    expect(build(['base', 'app'])).toEqual({ base: 'built', app: 'built' });
    const app = manifest('app');
    expect(app.keyDocument.platform).toBe(`linux/${NATIVE}`);
    expect(await platformOf(app.tag)).toBe(`linux/${NATIVE}`);
    expect(await platformOf(manifest('base').tag)).toBe(`linux/${NATIVE}`);
    if (NATIVE === 'amd64') {
      usePlatform(undefined);
      expect(plan('app').key).toBe(app.key);
      usePlatform(`linux/${NATIVE}`);
    }
  });

  it('another platform is another key', () => {
    usePlatform(`linux/${FOREIGN}`);
    expect(plan('app').key).not.toBe(manifest('app').key);
  });

  // The legacy builder's layer cache ignores the platform (Engine 20.10): switching back offers the foreign layers, which must not be taken.
  it.each([['the default builder', 'files', undefined] as const, ['the legacy builder', 'legacy-files', 'legacy'] as const])(
    `%s builds for the platform it is asked for: a COPY-only stage comes out linux/${FOREIGN}, then linux/${NATIVE}`,
    async (_, stage, builder) => {
      usePlatform(`linux/${FOREIGN}`, builder);
      expect(build([stage])).toEqual({ [stage]: 'built' });
      const foreign = manifest(stage);
      expect(await platformOf(foreign.tag)).toBe(`linux/${FOREIGN}`);
      usePlatform(`linux/${NATIVE}`, builder);
      expect(build([stage])).toEqual({ [stage]: 'built' });
      const native = manifest(stage);
      expect(native.key).not.toBe(foreign.key);
      expect(native.tag).not.toBe(foreign.tag);
      expect(await platformOf(native.tag)).toBe(`linux/${NATIVE}`);
      expect(await platformOf(foreign.tag)).toBe(`linux/${FOREIGN}`);
    },
  );
});
