import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../../packages/nx/src/registry/client';
import { ImageRef } from '../../packages/nx/src/registry/reference';
import { removeImagesNamed, uniqueImageName } from '../../packages/nx/testing/engine';
import { startExtraEngine, type ExtraEngine } from '../../packages/nx/testing/extra-engine';
import { git } from '../../packages/nx/testing/git';
import { startTestRegistry, writeDockerConfig, type TestRegistry } from '../../packages/nx/testing/registry';
import { summaryStatuses } from '../../packages/nx/testing/summary';
import { REPO_ROOT, createTestWorkspace, runNx, runNxAsync, writeBusyboxBase, type NxRun, type TestWorkspace } from '../../packages/nx/testing/workspace';

/**
 * Two CI machines: engine A (the shared engine) and engine B (a second dockerd with its own store),
 * one registry with htpasswd auth. base (busybox) <- lib <- app, and base <- other.
 */
const USER = { name: 'ci', password: 'e2e-pass' };
const CLOCK = { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' };

describe('CI across machines: engine A pushes, engine B reuses', () => {
  const imageName = uniqueImageName('e2e-reg');
  let registry: TestRegistry;
  let login: ReturnType<typeof writeDockerConfig>;
  let engineB: ExtraEngine;
  let machineA: TestWorkspace;
  let cloneB: string;
  const env = (dockerHost?: string): NodeJS.ProcessEnv => ({ ...CLOCK, DOCKER_CONFIG: login.dir, STAGECRAFT_PUSH: '1', ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}) });
  const args = ['run-many', '-t', 'docker-stage', '--output-style=static'];
  const statuses = (run: NxRun) => summaryStatuses(run.stderr + run.stdout);
  const client = () => new RegistryClient({ host: registry.host, credentials: async () => ({ username: USER.name, password: USER.password }) });

  /** The dev.stagecraft.key label of the image a registry tag names, read from its config blob. */
  async function registryKeyLabel(tag: string): Promise<string | undefined> {
    const { registryRepository: repository, reference } = ImageRef.parse(tag);
    const manifest = await client().getManifest(repository, reference);
    const config = await client().getBlob(repository, manifest!.document.config!.digest);
    const chunks: Buffer[] = [];
    for await (const chunk of config) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')).config?.Labels?.['dev.stagecraft.key'];
  }

  beforeAll(() => {
    registry = startTestRegistry(15020, USER);
    login = writeDockerConfig({ [registry.host]: USER });
    engineB = startExtraEngine();
    machineA = createTestWorkspace({ imageName, defaultBase: 'base', registry: registry.host, defaultRefresh: 'never' });
    writeBusyboxBase(machineA);
    machineA.write('lib/stage.json', { build: { type: 'custom', steps: ['mkdir -p /usr/local/share', 'cp lib.txt /usr/local/share/lib.txt'] } });
    machineA.write('lib/lib.txt', 'lib\n');
    machineA.write('app/stage.json', { depends: ['lib'], build: { type: 'custom', steps: ['cp app.txt /usr/local/share/app.txt'] } });
    machineA.write('app/app.txt', 'app\n');
    machineA.write('other/stage.json', { build: { type: 'custom', steps: ['mkdir -p /usr/local/share', 'echo other > /usr/local/share/other.txt'] } });
    machineA.write('.gitignore', 'node_modules\n.nx\ndist\n');
    git(machineA.root, 'init', '-q');
    git(machineA.root, 'add', '-A');
    git(machineA.root, 'commit', '-qm', 'stages');
    // Machine B: a fresh clone at another path.
    cloneB = join(mkdtempSync(join(tmpdir(), 'sc-machine-b-')), 'checkout');
    git(tmpdir(), 'clone', '-q', machineA.root, cloneB);
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(cloneB, 'node_modules'), 'dir');
  });
  afterAll(async () => {
    machineA?.remove();
    if (cloneB) rmSync(join(cloneB, '..'), { recursive: true, force: true });
    engineB?.stop();
    await removeImagesNamed(imageName);
    registry?.stop();
    login?.remove();
  });

  it('A builds and pushes; B, with an empty store, builds and pulls nothing', async () => {
    const a = machineA.nx(args, env());
    expect(statuses(a)).toEqual({ base: 'built', lib: 'built', app: 'built', other: 'built' });
    const b = runNx(cloneB, args, env(engineB.dockerHost));
    expect(statuses(b)).toEqual({ base: 'remote', lib: 'remote', app: 'remote', other: 'remote' });
    expect(b.status).toBe(0);
    expect(await engineB.docker.listImages()).toEqual([]);
  });

  it('after an output-identical change, B builds the leaf alone and takes its dependent as equivalent from the registry, pulling nothing for it', async () => {
    const before = JSON.parse(readFileSync(join(machineA.root, 'dist/stagecraft/app.json'), 'utf8'));
    // lib's directory is its source (copied to /usr/src/lib); app sees only what lib exports.
    writeFileSync(join(cloneB, 'lib/notes.txt'), 'a note that changes nothing lib exports\n');
    const b = runNx(cloneB, [...args, '--explain'], env(engineB.dockerHost));
    expect(b.status).toBe(0);
    // lib's resolved key is new (no record answers it), so base is pulled for its build; app needs nothing here.
    expect(statuses(b)).toEqual({ base: 'pulled', lib: 'built', app: 'equivalent', other: 'remote' });
    expect(b.stderr + b.stdout).toMatch(/^app: equivalent: \S+-app:ck-[0-9a-f]{64} was built for the same inputs and the same upstream outputs/m);
    const stagesOnB = (await engineB.docker.listImages()).flatMap((image) => image.RepoTags ?? []).filter((tag) => !tag.includes(':ck-'));
    expect(stagesOnB.map((tag) => tag.replace(/^.*-(\w+):.*$/, '$1')).sort()).toEqual(['base', 'lib']);
    // The registry gave app's new tag A's image by a manifest copy: the same digest, nothing built or pulled.
    const app = JSON.parse(readFileSync(join(cloneB, 'dist/stagecraft/app.json'), 'utf8'));
    expect(app).toMatchObject({ status: 'equivalent', equivalentTo: expect.stringContaining(':ck-') });
    expect(app.tag).not.toBe(before.tag);
    const digestOf = async (tag: string) => {
      const { registryRepository: repository, reference } = ImageRef.parse(tag);
      return (await client().headManifest(repository, reference))?.digest;
    };
    expect(await digestOf(app.tag)).toBe(await digestOf(before.tag));
    // The output hash records beside the images: an OCI manifest with no layers, keyed by the config digest.
    const { registryRepository: repository } = ImageRef.parse(app.tag);
    const libRepository = repository.replace(/-app$/, '-lib');
    expect((await client().listTags(libRepository)).some((tag) => /^exp1-[0-9a-f]{64}$/.test(tag))).toBe(true);
  });

  it('after an output-changing change of the same leaf B builds it and its whole closure of dependents and pushes the new tags', async () => {
    writeFileSync(join(cloneB, 'lib/lib.txt'), 'lib two\n');
    const b = runNx(cloneB, args, env(engineB.dockerHost));
    expect(statuses(b)).toEqual({ base: 'present', lib: 'built', app: 'built', other: 'remote' });
    expect(b.status).toBe(0);
    const tags = (await engineB.docker.listImages()).flatMap((image) => image.RepoTags ?? []).map((tag) => tag.replace(/^.*-(\w+):.*$/, '$1'));
    expect([...new Set(tags)].sort()).toEqual(['app', 'base', 'lib']);
    for (const stage of ['lib', 'app']) {
      const manifest = JSON.parse(readFileSync(join(cloneB, 'dist/stagecraft', `${stage}.json`), 'utf8'));
      expect(await registryKeyLabel(manifest.tag)).toBe(manifest.key);
    }
  });

  it('A and B building the same missing tag at once both succeed; the registry holds one tag carrying its key', async () => {
    const change = (root: string) => writeFileSync(join(root, 'other/stage.json'), JSON.stringify({ build: { type: 'custom', steps: ['echo both > /both.txt'] } }));
    change(machineA.root);
    change(cloneB);
    const [a, b] = await Promise.all([runNxAsync(machineA.root, [...args, '--projects=other'], env()), runNxAsync(cloneB, [...args, '--projects=other'], env(engineB.dockerHost))]);
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    expect(statuses(a)['other']).toMatch(/^(built|pulled|remote)$/);
    expect(statuses(b)['other']).toMatch(/^(built|pulled|remote)$/);
    const manifest = JSON.parse(readFileSync(join(cloneB, 'dist/stagecraft/other.json'), 'utf8'));
    const { registryRepository: repository, reference } = ImageRef.parse(manifest.tag);
    expect((await client().listTags(repository)).filter((tag) => tag === reference)).toEqual([reference]);
    expect(await registryKeyLabel(manifest.tag)).toBe(manifest.key);
  });
});
