import Docker from 'dockerode';
import { buildExternalBase, removeImagesNamed, tagsNamed, uniqueImageName } from '../../../testing/engine';
import { createTestWorkspace, writeBusyboxBase, type TestWorkspace } from '../../../testing/workspace';

const LAST_WEEK = { STAGECRAFT_NOW: '2026-11-14T12:00:00Z' };
const THIS_WEEK = { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' };

/** One busybox stage built in two time buckets: last week's image is stale, this week's is current. */
describe('prune (real engine)', () => {
  const imageName = uniqueImageName('prune');
  const docker = new Docker();
  let workspace: TestWorkspace;
  const build = (clock: NodeJS.ProcessEnv) => expect(workspace.nx(['run', 'base:docker-stage', '--output-style=static'], clock).status).toBe(0);
  const prune = (args: string[] = []) => workspace.nx(['run', 'base:prune', '--output-style=static', ...args], THIS_WEEK);

  beforeAll(async () => {
    workspace = createTestWorkspace({ imageName });
    writeBusyboxBase(workspace);
    // In the stage's repository but built outside Stagecraft: no stage labels, so prune never touches it.
    await buildExternalBase(`${imageName}-base:foreign`);
    build(LAST_WEEK);
    build(THIS_WEEK);
  });
  afterAll(async () => {
    workspace.remove();
    await removeImagesNamed(imageName);
  });

  it('--dry-run lists the stale image and removes nothing', async () => {
    const before = await tagsNamed(`${imageName}-base:`);
    expect(before).toEqual([expect.stringContaining(':2026-W46-'), expect.stringContaining(':2026-W47-'), `${imageName}-base:foreign`]);
    const run = prune(['--dry-run']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/base: would remove \S+:2026-W46-[0-9a-f]{16} \(/);
    expect(run.stdout).toMatch(/base: would remove 1 local image\(s\), [\d.]+ (B|KB|MB) to free/);
    expect(await tagsNamed(`${imageName}-base:`)).toEqual(before);
  });

  it('keeps an image a container uses', async () => {
    const stale = (await tagsNamed(`${imageName}-base:2026-W46-`))[0];
    const container = await docker.createContainer({ Image: stale, Cmd: ['true'] });
    try {
      const run = prune();
      expect(run.status).toBe(0);
      expect(run.stdout).toContain(`base: kept ${stale}: a container uses it`);
      expect(await tagsNamed(`${imageName}-base:2026-W46-`)).toEqual([stale]);
    } finally {
      await container.remove({ force: true });
    }
  });

  it('removes the stale bucket and keeps the current one, counting images and bytes', async () => {
    const stale = (await tagsNamed(`${imageName}-base:2026-W46-`))[0];
    const copy = `${imageName}-elsewhere:1`;
    await docker.getImage(stale).tag({ repo: `${imageName}-elsewhere`, tag: '1' });
    const run = prune();
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/base: removed 1 local image\(s\), [\d.]+ (B|KB|MB) freed/);
    const left = await tagsNamed(`${imageName}-base:`);
    expect(left).toEqual([expect.stringContaining(':2026-W47-'), `${imageName}-base:foreign`]);
    // Its other repository's tag was never touched.
    expect(await tagsNamed(copy)).toEqual([copy]);
  });
});
