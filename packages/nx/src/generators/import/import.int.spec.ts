import Docker from 'dockerode';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { buildExternalBase, pushImage, removeImagesNamed, tagsNamed, uniqueImageName } from '../../../testing/engine';
import { dockerBuildDirectory, imageContents } from '../../../testing/image-filesystem';
import { startTestRegistry, type TestRegistry } from '../../../testing/registry';
import { createTestWorkspace, runNxAsync, type TestWorkspace } from '../../../testing/workspace';

/** Nx's output without its colours. */
const plain = (run: { stdout: string; stderr: string }) => `${run.stderr}${run.stdout}`.replace(/\u001b\[[0-9;]*m/g, '');

const CORPUS = join(__dirname, 'corpus');
const corpus = JSON.parse(readFileSync(join(CORPUS, 'corpus.json'), 'utf8')) as Record<string, { builds: boolean; buildArgs?: string[] }>;
/** The corpus entries that need no network and no registry: their bases are the busybox image below. */
const BUILDABLE = Object.keys(corpus).filter((name) => corpus[name].builds);
const CLOCK = { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' };

const buildArgsOf = (name: string) => Object.fromEntries((corpus[name].buildArgs ?? []).map((arg) => [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]));
const buildArgOptions = (name: string) => (corpus[name].buildArgs ?? []).map((arg) => `--build-arg=${arg}`);

/** Copies a corpus entry to `dir`, its busybox placeholders replaced by `repository:tag` and its download server's by `downloads`, in every file. */
function copyCorpusEntry(name: string, dir: string, repository: string, tag: string, downloads: string): void {
  cpSync(join(CORPUS, name), dir, { recursive: true });
  const walk = (at: string) => {
    for (const entry of readdirSync(at)) {
      const path = join(at, entry);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const text = readFileSync(path, 'utf8');
        const replaced = text.replace(/@DOWNLOADS@/g, downloads).replace(/@BUSYBOX@/g, `${repository}:${tag}`).replace(/@BUSYBOX_REPO@/g, repository).replace(/@BUSYBOX_TAG@/g, tag);
        if (replaced !== text) writeFileSync(path, replaced);
      }
    }
  };
  walk(dir);
}

/**
 * The corpus's buildable Dockerfiles imported through `nx g @stagecraft/nx:import`
 * and built by Stagecraft: each final image holds the same files and config as
 * `docker build` of the original Dockerfile on the same engine. One workspace and
 * one busybox base (only the local Engine has it) serve every test.
 */
describe('import generator on the real engine', () => {
  const docker = new Docker();
  const imageName = uniqueImageName('import');
  // Only the local Engine has it; its registry host is a closed port of this spec's range, so resolving it asks 127.0.0.1 only.
  const busyboxRepository = `127.0.0.1:16199/${imageName}-busybox`;
  const busybox = `${busyboxRepository}:1`;
  let workspace: TestWorkspace;
  // What ADD <url> fetches: BuildKit for the original build, the import (for the sha256) and the host before Stagecraft's build.
  const served: Record<string, Buffer> = { '/tini-static': readFileSync('/bin/busybox'), '/LICENSE': Buffer.from('The MIT License (MIT)\n') };
  const server = createServer((request, response) => {
    const body = served[request.url ?? ''];
    response.writeHead(body ? 200 : 404).end(body);
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const downloads = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    workspace = createTestWorkspace({ imageName, defaultBase: busybox });
    await buildExternalBase(busybox);
    for (const name of BUILDABLE) {
      const dir = join(workspace.root, 'apps', name);
      copyCorpusEntry(name, dir, busyboxRepository, '1', downloads);
      await dockerBuildDirectory(docker, dir, `${imageName}-original-${name}:1`, buildArgsOf(name));
    }
  }, 600_000);

  afterAll(async () => {
    server.close();
    workspace?.remove();
    await removeImagesNamed(imageName);
  });

  it(`imports each of the ${BUILDABLE.length} buildable corpus Dockerfiles, pinning the local base, and the imported stages build the same final image as docker build`, async () => {
    const imageId = (await docker.getImage(busybox).inspect()).Id;
    for (const name of BUILDABLE) {
      // Asynchronous: this process serves the downloads the import fetches.
      const imported = await runNxAsync(workspace.root, ['g', '@stagecraft/nx:import', `--dockerfile=apps/${name}/Dockerfile`, ...buildArgOptions(name)]);
      expect(plain(imported)).toContain(`CREATE apps/${name}/${name}/stage.json`);
      expect(plain(imported)).not.toContain('not pinned');
      expect(imported.status).toBe(0);
      expect(existsSync(join(workspace.root, 'apps', name, 'Dockerfile'))).toBe(false);
    }
    // The local-only base is pinned to its image id as it is written, for FROM and COPY --from alike.
    expect(JSON.parse(readFileSync(join(workspace.root, 'apps/copy-image/copy-image/stage.lock.json'), 'utf8'))).toEqual({ images: [{ image: busybox, imageId }] });

    const built = await runNxAsync(workspace.root, ['run-many', '-t', 'docker-stage', `--projects=${BUILDABLE.join(',')}`]);
    expect(plain(built)).not.toMatch(/failed/i);
    expect(built.status).toBe(0);
    for (const name of BUILDABLE) {
      const manifest = JSON.parse(readFileSync(join(workspace.root, 'dist', 'stagecraft', `${name}.json`), 'utf8')) as { tag: string };
      const original = await imageContents(docker, `${imageName}-original-${name}:1`);
      const fromStages = await imageContents(docker, manifest.tag);
      expect({ name, ...fromStages }).toEqual({ name, ...original });
    }
  }, 900_000);

  it('imports what it cannot pin offline as written, and a build of it is refused before the Engine builds anything, naming the command that pins it', async () => {
    workspace.write('apps/offline/Dockerfile', `FROM ${busybox} AS a\nRUN echo a > /a\nFROM ${busybox}\nCOPY --from=127.0.0.1:16198/${imageName}/nginx:1 /x /x\nCOPY --from=a /a /a\n`);
    const imported = workspace.nx(['g', '@stagecraft/nx:import', '--dockerfile=apps/offline/Dockerfile']);
    expect(imported.status).toBe(0);
    const output = plain(imported);
    expect(output).toContain(`not pinned (no registry or local Engine could resolve them now`);
    expect(output).toContain(`  127.0.0.1:16198/${imageName}/nginx:1 (offline)`);
    expect(output).toContain("nx g @stagecraft/nx:lock --include='^offline$'");
    expect(readFileSync(join(workspace.root, 'apps/offline/offline/Dockerfile'), 'utf8')).toContain(`COPY --from=127.0.0.1:16198/${imageName}/nginx:1 /x /x`);

    const build = workspace.nx(['run', 'offline:docker-stage', '--output-style=static'], CLOCK);
    expect(build.status).not.toBe(0);
    expect(plain(build)).toContain(`the external image (COPY --from) '127.0.0.1:16198/${imageName}/nginx:1' of apps/offline/offline/stage.json is not pinned`);
    expect(plain(build)).toContain("Pin it with: nx g @stagecraft/nx:lock --include='^offline$'");
    expect(await tagsNamed(`${imageName}-offline:`)).toEqual([]);
  }, 300_000);

  it.each(['stage', 'import'])('nx g @stagecraft/nx:%s --help lists every option with its description', (generator) => {
    const schema = JSON.parse(readFileSync(join(__dirname, '..', generator, 'schema.json'), 'utf8')) as {
      properties: Record<string, { description: string }>;
    };
    const help = plain(workspace.nx(['g', `@stagecraft/nx:${generator}`, '--help'])).replace(/\s+/g, ' ');
    for (const [option, { description }] of Object.entries(schema.properties)) {
      // Nx prints the description wrapped beside a column of types and choices: its start and its end stay whole.
      const words = description.split(' ');
      expect(help).toContain(`--${option} ${words.slice(0, 3).join(' ')}`);
      expect(help).toContain(words.slice(-2).join(' '));
    }
  }, 120_000);

  it('gives every inferred target help with a command that runs, in one Stagecraft group', () => {
    const project = JSON.parse(workspace.nx(['show', 'project', 'builder-runtime-builder', '--json']).stdout) as {
      metadata: { targetGroups: Record<string, string[]> };
      targets: Record<string, { metadata: { help: { command: string; example: unknown } } }>;
    };
    expect(project.metadata.targetGroups).toEqual({ Stagecraft: Object.keys(project.targets) });
    const { command } = project.targets['docker-stage'].metadata.help;
    const help = workspace.nx(command.replace(/^npx nx /, '').split(' '));
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--force');
  }, 120_000);
});

/**
 * Offline first, then lock, mirror and an offline build: an imported Dockerfile
 * whose base, COPY --from image and RUN --mount=from image live in an upstream
 * registry (Docker Hub's part), with the workspace registry holding the mirror.
 */
describe('an imported Dockerfile with registry images: lock, mirror, build from the mirror', () => {
  const imageName = uniqueImageName('import-mirror');
  let upstream: TestRegistry;
  let mirrorRegistry: TestRegistry;
  let workspace: TestWorkspace;
  let base: string;
  let tools: string;
  let helper: string;

  beforeAll(async () => {
    upstream = startTestRegistry(16191);
    mirrorRegistry = startTestRegistry(16192);
    base = `${upstream.host}/${imageName}/base:1`;
    tools = `${upstream.host}/${imageName}/tools:1`;
    helper = `${upstream.host}/${imageName}/helper:1`;
    await buildExternalBase(base);
    await buildExternalBase(tools, 'the tools image\n');
    await buildExternalBase(helper, 'the helper image\n');
    for (const image of [base, tools, helper]) {
      await pushImage(image);
      // Only the registry has them now, as on a machine that never pulled them.
      await new Docker().getImage(image).remove({ force: true });
    }
    workspace = createTestWorkspace({ imageName, registry: mirrorRegistry.host });
    workspace.write(
      'apps/svc/Dockerfile',
      `FROM ${base} AS build\nRUN echo built > /built.txt\n\nFROM ${base}\nCOPY --from=${tools} /marker /tool-marker\n` +
        `RUN --mount=from=${helper},source=/marker,target=/mnt/helper-marker cp /mnt/helper-marker /from-helper\nCOPY --from=build /built.txt /built.txt\n`,
    );
  }, 300_000);

  afterAll(async () => {
    workspace?.remove();
    upstream?.stop();
    mirrorRegistry?.stop();
    await removeImagesNamed(imageName);
  });

  it('imports offline unpinned, lock pins the base, COPY --from and RUN --mount=from images, mirror copies them, and the build takes them from the mirror with upstream gone', async () => {
    upstream.suspend();
    const imported = workspace.nx(['g', '@stagecraft/nx:import', '--dockerfile=apps/svc/Dockerfile'], CLOCK);
    expect(imported.status).toBe(0);
    expect(plain(imported)).toContain(`  ${tools} (svc)`);
    expect(existsSync(join(workspace.root, 'apps/svc/svc/stage.lock.json'))).toBe(false);
    const refused = workspace.nx(['run', 'svc:docker-stage', '--output-style=static'], CLOCK);
    expect(refused.status).not.toBe(0);
    expect(plain(refused)).toContain('is not pinned to a digest');

    upstream.restart({});
    const lock = workspace.nx(['g', '@stagecraft/nx:lock'], CLOCK);
    expect(plain(lock)).toContain('svc: images: pin');
    expect(lock.status).toBe(0);
    const pins = JSON.parse(readFileSync(join(workspace.root, 'apps/svc/svc/stage.lock.json'), 'utf8')) as { images: Array<{ image: string; digest: string }> };
    expect(pins.images.map((pin) => pin.image)).toEqual([base, helper, tools]);
    for (const pin of pins.images) expect(pin.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const mirror = workspace.nx(['run-many', '-t', 'mirror', '--projects=svc,svc-build', '--output-style=static'], CLOCK);
    expect(mirror.status).toBe(0);
    const mirrored = (image: string) => `${mirrorRegistry.host}/mirror/${imageName}/${image}@${pins.images.find((pin) => pin.image.includes(`/${image}:`))!.digest}`;
    expect(plain(mirror)).toContain(`svc: mirrored ${tools} to ${mirrored('tools')}`);
    expect(plain(mirror)).toContain(`svc: mirrored ${helper} to ${mirrored('helper')}`);
    // svc-build mirrors the same base at the same time: one of the two copies it.
    expect(plain(mirror)).toMatch(new RegExp(`svc(-build)?: mirrored ${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} to ${mirrored('base').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

    upstream.suspend();
    const build = workspace.nx(['run', 'svc:docker-stage', '--output-style=static'], CLOCK);
    expect(plain(build)).toContain(`FROM ${mirrored('base')}`);
    expect(plain(build)).toContain(`COPY --from=${mirrored('tools')} /marker /tool-marker`);
    expect(plain(build)).toContain(`RUN --mount=from=${mirrored('helper')},source=/marker`);
    expect(build.status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(workspace.root, 'dist', 'stagecraft', 'svc.json'), 'utf8')) as { tag: string };
    const files = (await imageContents(new Docker(), manifest.tag)).files;
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['/tool-marker', '/from-helper', '/built.txt']));
    expect(files['/from-helper']).not.toBe(files['/tool-marker']);
  }, 600_000);
});
