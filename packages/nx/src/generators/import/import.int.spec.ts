import Docker from 'dockerode';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildExternalBase, removeImagesNamed, uniqueImageName } from '../../../testing/engine';
import { dockerBuildDirectory, imageContents } from '../../../testing/image-filesystem';
import { createTestWorkspace, type TestWorkspace } from '../../../testing/workspace';

/** Nx's output without its colours. */
const plain = (run: { stdout: string; stderr: string }) => `${run.stderr}${run.stdout}`.replace(/\u001b\[[0-9;]*m/g, '');

const FIXTURES = join(__dirname, '..', '..', '..', 'testing', 'dockerfiles');
const SHAPES = ['builder-runtime', 'index-reference', 'arg-before-from', 'diamond-tests'];

/**
 * Real Dockerfile shapes imported through `nx g @stagecraft/nx:import` and
 * built by Stagecraft: each final image holds the same files and config as
 * `docker build` of the original Dockerfile on the same engine.
 */
describe('import generator on the real engine', () => {
  const docker = new Docker();
  const imageName = uniqueImageName('import');
  // Only the local Engine has it; its registry host is a closed port of this spec's range, so resolving it asks 127.0.0.1 only.
  const busybox = `127.0.0.1:16199/${imageName}-busybox:1`;
  let workspace: TestWorkspace;

  beforeAll(async () => {
    workspace = createTestWorkspace({ imageName, defaultBase: busybox });
    await buildExternalBase(busybox);
    for (const shape of SHAPES) {
      const dir = join(workspace.root, 'apps', shape);
      cpSync(join(FIXTURES, shape), dir, { recursive: true });
      const dockerfile = join(dir, 'Dockerfile');
      writeFileSync(dockerfile, readFileSync(dockerfile, 'utf8').replace(/@BUSYBOX@/g, busybox));
      await dockerBuildDirectory(docker, dir, `${imageName}-original-${shape}:1`);
    }
  }, 300_000);

  afterAll(async () => {
    workspace?.remove();
    await removeImagesNamed(imageName);
  });

  it('imports each Dockerfile, and the imported stages build the same final image as docker build', async () => {
    for (const shape of SHAPES) {
      const imported = workspace.nx(['g', '@stagecraft/nx:import', `--dockerfile=apps/${shape}/Dockerfile`]);
      expect(plain(imported)).toContain(`CREATE apps/${shape}/${shape}/stage.json`);
      expect(imported.status).toBe(0);
      expect(existsSync(join(workspace.root, 'apps', shape, 'Dockerfile'))).toBe(false);
    }
    const built = workspace.nx(['run-many', '-t', 'docker-stage', `--projects=${SHAPES.join(',')}`]);
    expect(plain(built)).not.toMatch(/failed/i);
    expect(built.status).toBe(0);
    for (const shape of SHAPES) {
      const manifest = JSON.parse(readFileSync(join(workspace.root, 'dist', 'stagecraft', `${shape}.json`), 'utf8')) as { tag: string };
      const original = await imageContents(docker, `${imageName}-original-${shape}:1`);
      const fromStages = await imageContents(docker, manifest.tag);
      expect({ shape, ...fromStages }).toEqual({ shape, ...original });
    }
  }, 600_000);

  it('refuses what it cannot translate through nx g, exits non-zero and writes nothing', () => {
    workspace.write('apps/refused/Dockerfile', '# syntax=docker/dockerfile:1\nFROM busybox:1 AS a\nCOPY --from=nginx:1 /x /x\n');
    const listing = () => readdirSync(join(workspace.root, 'apps', 'refused')).sort();
    const result = workspace.nx(['g', '@stagecraft/nx:import', '--dockerfile=apps/refused/Dockerfile']);
    expect(result.status).not.toBe(0);
    const output = plain(result);
    expect(output).toContain('cannot import apps/refused/Dockerfile faithfully; nothing was written');
    expect(output).toContain('apps/refused/Dockerfile:1: # syntax=docker/dockerfile:1');
    expect(output).toContain('apps/refused/Dockerfile:3: COPY --from=nginx:1 /x /x');
    expect(listing()).toEqual(['Dockerfile']);
  }, 120_000);

  it('scaffolds a stage that builds as written, honours --dry-run, and refuses a missing upstream', async () => {
    const dryRun = workspace.nx(['g', '@stagecraft/nx:stage', 'tool', '--dry-run']);
    expect(dryRun.status).toBe(0);
    expect(plain(dryRun)).toContain('CREATE tool/stage.json');
    expect(existsSync(join(workspace.root, 'tool'))).toBe(false);

    const refused = workspace.nx(['g', '@stagecraft/nx:stage', 'tool', '--depends=no-such-stage']);
    expect(refused.status).not.toBe(0);
    expect(plain(refused)).toContain("--depends: no stage named 'no-such-stage' in this workspace");
    expect(existsSync(join(workspace.root, 'tool'))).toBe(false);

    expect(workspace.nx(['g', '@stagecraft/nx:stage', 'tool']).status).toBe(0);
    // The generator pinned the local busybox base (to its image id) as it wrote the stage: no lock step before the build.
    const imageId = (await docker.getImage(busybox).inspect()).Id;
    expect(JSON.parse(readFileSync(join(workspace.root, 'tool', 'stage.lock.json'), 'utf8'))).toEqual({ base: { image: busybox, imageId } });
    const built = workspace.nx(['run', 'tool:docker-stage']);
    expect(plain(built)).toContain('replace this step in tool/stage.json');
    expect(built.status).toBe(0);
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
    const project = JSON.parse(workspace.nx(['show', 'project', 'builder', '--json']).stdout) as {
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

