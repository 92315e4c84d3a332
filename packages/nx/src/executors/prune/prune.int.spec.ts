import Docker from 'dockerode';
import { buildExternalBase, pushImage, removeImagesNamed, tagsNamed, uniqueImageName } from '../../../testing/engine';
import { startTestRegistry, type TestRegistry } from '../../../testing/registry';
import { createTestWorkspace, writeBusyboxBase, type TestWorkspace } from '../../../testing/workspace';
import { RegistryClient } from '../../registry';

const LAST_WEEK = { STAGECRAFT_NOW: '2026-11-14T12:00:00Z' };
const THIS_WEEK = { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' };
const REGISTRY_PORT = 16101;

/**
 * One busybox stage built in two time buckets and pushed to a real workspace registry:
 * last week's image is stale, this week's is current.
 */
describe('prune (real engine, real registry)', () => {
  const imageName = uniqueImageName('prune');
  const docker = new Docker();
  let registry: TestRegistry;
  let workspace: TestWorkspace;
  let repository: string;
  const build = (clock: NodeJS.ProcessEnv) => {
    const run = workspace.nx(['run', 'base:docker-stage', '--output-style=static'], { ...clock, STAGECRAFT_PUSH: '1' });
    if (run.status !== 0) throw new Error(`docker-stage failed:\n${run.stdout}${run.stderr}`);
  };
  const prune = (args: string[] = []) => workspace.nx(['run', 'base:prune', '--output-style=static', ...args], THIS_WEEK);
  const local = (suffix = '') => tagsNamed(`${registry.host}/${repository}:${suffix}`);
  const inRegistry = async (tag: string) => Boolean(await new RegistryClient({ host: registry.host }).getManifest(repository, tag.slice(tag.lastIndexOf(':') + 1)));

  beforeAll(async () => {
    registry = startTestRegistry(REGISTRY_PORT);
    repository = `${imageName}-base`;
    workspace = createTestWorkspace({ imageName, registry: registry.host });
    writeBusyboxBase(workspace);
    // In the stage's repository but built outside Stagecraft: no stage labels, so prune never touches it, here or there.
    await buildExternalBase(`${registry.host}/${repository}:foreign`);
    await pushImage(`${registry.host}/${repository}:foreign`);
    build(LAST_WEEK);
    build(THIS_WEEK);
  });
  afterAll(async () => {
    workspace?.remove();
    registry?.stop();
    await removeImagesNamed(imageName);
  });

  it('--dry-run lists the stale image, locally and in the registry, and removes nothing', async () => {
    const before = await local();
    expect(before).toEqual([expect.stringContaining(':2026-W46-'), expect.stringContaining(':2026-W47-'), `${registry.host}/${repository}:foreign`]);
    const run = prune(['--dry-run']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/base: would remove \S+:2026-W46-[0-9a-f]{16} \(/);
    expect(run.stdout).toMatch(/base: would remove 2026-W46-[0-9a-f]{16} in the registry/);
    expect(run.stdout).toMatch(/base: would remove 1 local image\(s\), [\d.]+ (B|KB|MB) to free; 1 registry manifest\(s\)/);
    expect(await local()).toEqual(before);
    for (const tag of before) expect(await inRegistry(tag)).toBe(true);
  });

  it('keeps an image a container uses', async () => {
    const stale = (await local('2026-W46-'))[0];
    const container = await docker.createContainer({ Image: stale, Cmd: ['true'] });
    try {
      const run = prune();
      expect(run.status).toBe(0);
      expect(run.stdout).toContain(`base: kept ${stale}: a container uses it`);
      expect(await local('2026-W46-')).toEqual([stale]);
      expect(await inRegistry(stale)).toBe(true);
    } finally {
      await container.remove({ force: true });
    }
  });

  it('removes the stale bucket locally and its manifest in the registry; the current one stays in both', async () => {
    const stale = (await local('2026-W46-'))[0];
    const current = (await local('2026-W47-'))[0];
    const copy = `${imageName}-elsewhere:1`;
    await docker.getImage(stale).tag({ repo: `${imageName}-elsewhere`, tag: '1' });
    const run = prune();
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/base: removed 1 local image\(s\), [\d.]+ (B|KB|MB) freed; 1 registry manifest\(s\)/);
    expect(await local()).toEqual([current, `${registry.host}/${repository}:foreign`]);
    expect(await inRegistry(stale)).toBe(false);
    expect(await inRegistry(current)).toBe(true);
    expect(await inRegistry(`${registry.host}/${repository}:foreign`)).toBe(true);
    // Its other repository's tag was never touched.
    expect(await tagsNamed(copy)).toEqual([copy]);
  });

  it('against a registry that refuses deletion: one message for the run, the local prune still happens, exit 0', async () => {
    registry.restart({ deletion: false });
    await removeImagesNamed(`${imageName}-elsewhere`);
    build(LAST_WEEK);
    const stale = (await local('2026-W46-'))[0];
    const run = prune();
    expect(run.status).toBe(0);
    const refusals = run.stdout.split('\n').filter((line) => line.includes('refuses to delete'));
    expect(refusals).toEqual([
      expect.stringContaining(`base: warning: registry ${registry.host} refuses to delete manifests (HTTP 405: deletion is disabled there), so 1 stale manifest(s) stay in it`),
    ]);
    expect(run.stdout).toMatch(/base: removed 1 local image\(s\), [\d.]+ (B|KB|MB) freed; 0 registry manifest\(s\)/);
    expect(await local('2026-W46-')).toEqual([]);
    expect(await inRegistry(stale)).toBe(true);
  });
});
