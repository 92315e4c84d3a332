import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RegistryClient } from '../registry/client';
import { ImageRef } from '../registry/reference';
import { removeImagesNamed, stageTagsNamed, tagsNamed, uniqueImageName } from '../../testing/engine';
import { startTestRegistry, writeDockerConfig, type TestRegistry } from '../../testing/registry';
import { summaryStatuses } from '../../testing/summary';
import { createTestWorkspace, writeBusyboxBase, type TestWorkspace } from '../../testing/workspace';

/** base (busybox) <- lib <- app, and base <- other. */
function writeStages(workspace: TestWorkspace) {
  writeBusyboxBase(workspace);
  workspace.write('lib/stage.json', { build: { type: 'custom', steps: ['mkdir -p /usr/local/share', 'cp lib.txt /usr/local/share/lib.txt'] } });
  workspace.write('lib/lib.txt', 'lib\n');
  workspace.write('app/stage.json', { depends: ['lib'], build: { type: 'custom', steps: ['cat /usr/local/share/lib.txt app.txt > /usr/local/share/app.txt'] } });
  workspace.write('app/app.txt', 'app\n');
  workspace.write('other/stage.json', { build: { type: 'custom', steps: ['mkdir -p /usr/local/share', 'echo other > /usr/local/share/other.txt'] } });
}

const USER = { name: 'ci', password: 'ci-pass' };
const CLOCK = { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' };
const docker = new Docker();

const manifestOf = (workspace: TestWorkspace, stage: string) => JSON.parse(readFileSync(join(workspace.root, 'dist/stagecraft', `${stage}.json`), 'utf8'));

describe('docker-stage with a registry (real registry with htpasswd, real engine)', () => {
  const imageName = uniqueImageName('reg');
  let registry: TestRegistry;
  let fork: TestRegistry;
  let login: ReturnType<typeof writeDockerConfig>;
  let noLogin: ReturnType<typeof writeDockerConfig>;
  let workspace: TestWorkspace;
  const client = () => new RegistryClient({ host: registry.host, credentials: async () => ({ username: USER.name, password: USER.password }) });
  const run = (ws: TestWorkspace, args: string[] = [], env: NodeJS.ProcessEnv = {}) => {
    const result = ws.nx(['run-many', '-t', 'docker-stage', '--output-style=static', ...args], { ...CLOCK, DOCKER_CONFIG: login.dir, PATH: `${login.bin}:${process.env['PATH']}`, ...env });
    return { ...result, output: result.stderr + result.stdout, statuses: summaryStatuses(result.stderr + result.stdout) };
  };
  const dropLocal = () => removeImagesNamed(imageName);

  beforeAll(() => {
    registry = startTestRegistry(15010, USER);
    fork = startTestRegistry(15011);
    // The registry's password comes from a credsStore helper; the fork needs none.
    login = writeDockerConfig({}, { name: 'sctest', as: 'credsStore', servers: { [registry.host]: USER } });
    noLogin = writeDockerConfig({});
    workspace = createTestWorkspace({ imageName, defaultBase: 'base', registry: registry.host });
    writeStages(workspace);
  });
  afterAll(async () => {
    workspace?.remove();
    await removeImagesNamed(imageName);
    registry?.stop();
    fork?.stop();
    login?.remove();
    noLogin?.remove();
  });

  it('with STAGECRAFT_PUSH=1 builds and pushes every stage; the registry image carries the key', async () => {
    const result = run(workspace, [], { STAGECRAFT_PUSH: '1' });
    expect(result.statuses).toEqual({ base: 'built', lib: 'built', app: 'built', other: 'built' });
    expect(result.status).toBe(0);
    expect(result.output).toMatch(/^lib: pushed to registry 127\.0\.0\.1:15010$/m);
    expect(result.output).not.toContain(USER.password);
    const lib = manifestOf(workspace, 'lib');
    expect(lib.tag.startsWith(`${registry.host}/${imageName}-lib:`)).toBe(true);
    const [repository, tag] = lib.tag.slice(registry.host.length + 1).split(':');
    expect(await client().headManifest(repository, tag)).toMatchObject({ digest: expect.stringMatching(/^sha256:/) });
  });

  it('on an empty store leaves every stage in the registry, pulling nothing', async () => {
    await dropLocal();
    const result = run(workspace);
    expect(result.statuses).toEqual({ base: 'remote', lib: 'remote', app: 'remote', other: 'remote' });
    expect(result.status).toBe(0);
    expect(result.output).toContain('Stagecraft: 4 stages: 4 remote');
    expect(result.output).toMatch(/Stagecraft: registry 127\.0\.0\.1:15010: \d+ requests for 4 stages/);
    expect(await tagsNamed(`${registry.host}/${imageName}`)).toEqual([]);
    expect(manifestOf(workspace, 'app')).toMatchObject({ status: 'remote', digest: expect.stringMatching(/^sha256:/) });
  });

  it('after a leaf change builds the leaf, pulling only the images it is built from, and --pull pulls every stage', async () => {
    writeFileSync(join(workspace.root, 'app/app.txt'), 'app two\n');
    const result = run(workspace);
    // app is FROM base with COPY --from lib: both are needed; other is not.
    expect(result.statuses).toEqual({ base: 'pulled', lib: 'pulled', app: 'built', other: 'remote' });
    expect((await stageTagsNamed(`${registry.host}/${imageName}`)).map((t) => t.replace(/:[^:/]*$/, ''))).toEqual([
      `${registry.host}/${imageName}-app`,
      `${registry.host}/${imageName}-base`,
      `${registry.host}/${imageName}-lib`,
    ]);
    const pulled = run(workspace, ['--pull']);
    expect(pulled.statuses).toEqual({ base: 'present', lib: 'present', app: 'present', other: 'pulled' });
  });

  it('refused push: the task fails naming the registry and docker login, the image stays local; a later run pushes it', async () => {
    writeFileSync(join(workspace.root, 'other/stage.json'), JSON.stringify({ build: { type: 'custom', steps: ['echo other two > /other.txt'] } }));
    const refused = run(workspace, ['--projects=other'], { STAGECRAFT_PUSH: '1', DOCKER_CONFIG: noLogin.dir });
    expect(refused.status).not.toBe(0);
    expect(refused.statuses['other']).toBe('failed');
    expect(refused.output).toContain(`pushing ${registry.host}/${imageName}-other:`);
    expect(refused.output).toContain(`docker login ${registry.host}`);
    const tag = /^ {2}failed\s+\S+\s+other\s+(\S+)$/m.exec(refused.output)![1];
    expect(await tagsNamed(tag)).toEqual([tag]);

    const retried = run(workspace, ['--projects=other'], { STAGECRAFT_PUSH: '1' });
    expect(retried.statuses['other']).toBe('present');
    expect(retried.output).toMatch(/^other: pushed to registry/m);
  });

  it('a registry that does not answer: one warning naming it, then everything is built locally', async () => {
    const offline = createTestWorkspace({ imageName: `${imageName}-off`, defaultBase: 'base', registry: '127.0.0.1:15019' });
    try {
      writeBusyboxBase(offline);
      offline.write('lib/stage.json', { build: { type: 'custom', steps: ['true'] } });
      const result = run(offline);
      expect(result.statuses).toEqual({ base: 'built', lib: 'built' });
      expect(result.status).toBe(0);
      expect(result.output.match(/warning: could not check registry 127\.0\.0\.1:15019/g)).toHaveLength(1);
    } finally {
      offline.remove();
      await removeImagesNamed(`${imageName}-off`);
    }
  });

  it('a fork falls back on an upstream registry: used from there, or copied into its own registry when pushing', async () => {
    const forked = createTestWorkspace({ imageName, defaultBase: 'base', registry: fork.host, upstreamRegistries: [registry.host] });
    try {
      writeStages(forked);
      writeFileSync(join(forked.root, 'other/stage.json'), JSON.stringify({ build: { type: 'custom', steps: ['echo other two > /other.txt'] } }));
      const used = run(forked);
      expect(used.statuses).toEqual({ base: 'remote', lib: 'remote', app: 'remote', other: 'remote' });
      await dropLocal();
      writeFileSync(join(forked.root, 'app/app.txt'), 'app three\n');
      const copied = run(forked, [], { STAGECRAFT_PUSH: '1' });
      expect(copied.statuses).toEqual({ base: 'copied', lib: 'copied', app: 'built', other: 'copied' });
      expect(copied.output).toMatch(/^app: pushed to registry 127\.0\.0\.1:15011$/m);
      const forkClient = new RegistryClient({ host: fork.host });
      expect((await forkClient.listTags(`${imageName}-lib`)).length).toBe(1);
      // app was built there: beside its tag, the equivalence alias of its resolved key.
      expect((await forkClient.listTags(`${imageName}-app`)).filter((tag) => !tag.startsWith('ck-')).length).toBe(1);
      expect(await tagsNamed(`${registry.host}/${imageName}`)).toEqual([]);
    } finally {
      forked.remove();
    }
  });

  it('a pull that fails halfway tags nothing and the stage is built instead', async () => {
    await dropLocal();
    const libTag = manifestOf(workspace, 'lib').tag;
    // lib's image config is damaged in the registry: the Engine downloads the manifest, then finds that the
    // config does not match its digest. (A damaged layer would go unnoticed: BuildKit's build cache still
    // holds every layer built here, so the Engine would not download it.)
    const { registryRepository: repository, reference } = ImageRef.parse(libTag);
    const hex = (await client().getManifest(repository, reference))!.document.config!.digest.replace('sha256:', '');
    const data = join(registry.storage, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    writeFileSync(data, Buffer.from(readFileSync(data).map((byte) => byte ^ 0xff)));
    const { pullImage } = await import('../docker/registry-transfer');
    await expect(pullImage(docker, libTag, { username: USER.name, password: USER.password, serveraddress: registry.host })).rejects.toThrow(`pull of ${libTag} failed`);
    expect(await tagsNamed(libTag)).toEqual([]);

    const result = run(workspace, ['--projects=lib', '--pull']);
    expect(result.output).toMatch(/^lib: warning: pull of .* failed: .*; building it instead$/m);
    expect(result.statuses).toEqual({ base: 'pulled', lib: 'built' });
    expect(result.status).toBe(0);
  });

  it('a stage built again under a new tag reuses its earlier image\'s layers from the registry (BuildKit cachefrom), with no local build cache for them', async () => {
    const cachedName = uniqueImageName('cachefrom');
    const stamped = createTestWorkspace({ imageName: cachedName, defaultBase: 'base', defaultRefresh: 'never', registry: fork.host, builder: 'buildkit' });
    const marker = `sc-cachefrom-${randomBytes(6).toString('hex')}`;
    const layersOf = async (tag: string) => ((await docker.getImage(tag).inspect()) as { RootFS: { Layers: string[] } }).RootFS.Layers;
    try {
      writeBusyboxBase(stamped);
      // A step whose output differs on every run: the same layer in a later image means it came from a cache.
      stamped.write('stamp/Dockerfile', `FROM base\nRUN head -c 16 /dev/urandom | od -An -tx1 > /stamp # ${marker}\n`);
      // A new week is a new tag, with the same Dockerfile steps.
      stamped.write('stamp/stage.json', { build: { type: 'dockerfile' }, refresh: 'isoweek' });
      const first = run(stamped, [], { STAGECRAFT_PUSH: '1' });
      expect({ statuses: first.statuses, output: first.status === 0 ? '' : first.output }).toEqual({ statuses: { base: 'built', stamp: 'built' }, output: '' });
      const firstTag = manifestOf(stamped, 'stamp').tag;
      const firstLayers = await layersOf(firstTag);

      // Nothing of the step is left here: not the image, not BuildKit's record of the step.
      await removeImagesNamed(cachedName);
      const records = async () => ((await docker.df()) as { BuildCache?: Array<{ ID: string; Description?: string }> }).BuildCache ?? [];
      const stepRecords = (await records()).filter((record) => record.Description?.includes(marker)).map((record) => record.ID);
      expect(stepRecords.length).toBeGreaterThan(0);
      for (const id of stepRecords) await docker.pruneBuilder({ filters: { id: [id] } } as object);
      expect((await records()).filter((record) => stepRecords.includes(record.ID))).toEqual([]);

      const later = run(stamped, [], { STAGECRAFT_NOW: '2026-12-01T12:00:00Z' });
      expect(later.statuses).toEqual({ base: 'pulled', stamp: 'built' });
      const laterTag = manifestOf(stamped, 'stamp').tag;
      expect(laterTag).not.toBe(firstTag);
      expect(await layersOf(laterTag)).toEqual(firstLayers);
    } finally {
      stamped.remove();
      await removeImagesNamed(cachedName);
    }
  });
});
