import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { buildExternalBase, pushImage, removeImagesNamed, uniqueImageName } from '../../testing/engine';
import { startTestRegistry, type TestRegistry } from '../../testing/registry';
import { createTestWorkspace, type TestWorkspace } from '../../testing/workspace';
import { RegistryClient } from '../registry';
import { resolveBase } from './resolve-base';
import { RegistryClients } from '../registry/clients';
import type { BasePin } from '../stage/base-pin';

const CLOCK = { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' };

/**
 * An upstream registry plays Docker Hub's part; the workspace registry holds the mirror.
 * The base is busybox from files, pushed upstream, then re-pushed with other content under the same tag.
 */
describe('external bases by digest and the base mirror (real registries, real engine)', () => {
  const imageName = uniqueImageName('bases');
  const docker = new Docker();
  let upstream: TestRegistry;
  let mirrorRegistry: TestRegistry;
  let workspace: TestWorkspace;
  let base: string;
  const pin = (value: BasePin) => workspace.write('lib/stage.lock.json', { base: value });
  const pinFile = () => JSON.parse(readFileSync(join(workspace.root, 'lib/stage.lock.json'), 'utf8')) as unknown;
  const tagOf = () => {
    const run = workspace.nx(['run', 'lib:stage-plan', '--json', '--output-style=static', '--skip-nx-cache'], CLOCK);
    expect(run.status).toBe(0);
    return (JSON.parse(run.stdout.slice(run.stdout.indexOf('{'), run.stdout.lastIndexOf('}') + 1)) as { tag: string }).tag;
  };

  beforeAll(async () => {
    upstream = startTestRegistry(15701);
    mirrorRegistry = startTestRegistry(15702);
    base = `${upstream.host}/${imageName}/base:1`;
    await buildExternalBase(base);
    await pushImage(base);
    workspace = createTestWorkspace({ imageName, registry: mirrorRegistry.host });
    workspace.write('lib/stage.json', { from: base, build: { type: 'custom', steps: ['busybox true'] } });
  });
  afterAll(async () => {
    workspace?.remove();
    upstream?.stop();
    mirrorRegistry?.stop();
    await removeImagesNamed(imageName);
  });

  it('the lock pins the base to the digest the registry serves; a re-push changes no tag until lock --update moves the pin', async () => {
    const lock = (...args: string[]) => workspace.nx(['g', '@stagecraft/nx:lock', ...args], CLOCK);
    const pinned = lock();
    expect(pinned.status).toBe(0);
    const first = await resolveBase(base, docker, new RegistryClients());
    expect(pinFile()).toMatchObject({ base: { image: base, digest: first.digest } });
    const pinnedTag = tagOf();

    await buildExternalBase(base, 'other content\n');
    await pushImage(base);
    expect(tagOf()).toBe(pinnedTag);
    const check = lock('--check');
    expect(check.status).not.toBe(0);
    expect(check.stdout + check.stderr).toContain('lib/stage.lock.json');
    expect(tagOf()).toBe(pinnedTag);

    expect(lock('--update').status).toBe(0);
    const moved = await resolveBase(base, docker, new RegistryClients());
    expect(moved.digest).not.toBe(first.digest);
    expect(pinFile()).toMatchObject({ base: { image: base, digest: moved.digest } });
    expect(tagOf()).not.toBe(pinnedTag);
  });

  it('mirrors the pinned base by digest, registry to registry, and builds from the mirror once upstream is gone', async () => {
    const run = workspace.nx(['run', 'lib:mirror', '--output-style=static'], CLOCK);
    expect(run.status).toBe(0);
    const digest = (await resolveBase(base, docker, new RegistryClients())).digest!;
    const mirrored = `${mirrorRegistry.host}/mirror/${imageName}/base@${digest}`;
    expect(run.stdout).toContain(`lib: mirrored ${base} to ${mirrored}`);
    const info = await new RegistryClient({ host: mirrorRegistry.host }).headManifest(`mirror/${imageName}/base`, digest);
    expect(info?.digest).toBe(digest);

    upstream.stop();
    await docker.getImage(base).remove({ force: true });
    const build = workspace.nx(['run', 'lib:docker-stage', '--output-style=static'], CLOCK);
    expect(build.stdout + build.stderr).toContain(`FROM ${mirrored}`);
    expect(build.stdout + build.stderr).toMatch(/built\s+\S+\s+lib\s/);
    expect(build.status).toBe(0);
  });

  it('errors: a digest the mirror lacks (upstream gone) and a base that cannot be resolved', async () => {
    pin({ image: base, digest: `sha256:${'e'.repeat(64)}` });
    const build = workspace.nx(['run', 'lib:docker-stage', '--output-style=static'], CLOCK);
    expect(build.status).not.toBe(0);
    expect(build.stdout + build.stderr).toContain(`the mirror ${mirrorRegistry.host}/mirror/${imageName}/base lacks sha256:${'e'.repeat(64)}`);
    expect(build.stdout + build.stderr).toContain('Mirror it where the original registry answers: nx run lib:mirror');

    await expect(resolveBase(`${upstream.host}/${imageName}/nothing:1`, docker, new RegistryClients())).rejects.toThrow(
      `cannot resolve the external base '${upstream.host}/${imageName}/nothing:1': registry ${upstream.host} is unreachable`,
    );
  });
});
