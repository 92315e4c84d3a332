import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeImagesNamed, uniqueImageName } from '../../packages/nx/testing/engine';
import { writeBusyboxBase } from '../../packages/nx/testing/workspace';
import { createWorkspace, pack, type CommandResult } from './packed-plugin';

/**
 * The smallest proof on the latest nx 22 and 23 (docker-stage.e2e.spec.ts is the full one, on
 * nx 24): the packed plugin added with `nx add` beside nx alone, with no peer conflict and one
 * nx; its stages inferred; `nx g @stagecraft/nx:stage` run; and every stage built. Both
 * versions run at once: most of the time is npm and nx starting up. Another version, once:
 * STAGECRAFT_E2E_NX_VERSIONS=22.6.0 npx jest e2e/nx-e2e/nx-versions.
 */
const NX_VERSIONS = process.env['STAGECRAFT_E2E_NX_VERSIONS']?.split(',') ?? ['22.7.12', '23.3.2'];

interface Proof {
  imageName: string;
  add: CommandResult;
  tree: CommandResult;
  nxCopies: string[];
  plugins: unknown;
  generate: CommandResult;
  projects: CommandResult;
  build: CommandResult;
}

async function prove(nxVersion: string, scratch: string, tarball: string, imageName: string): Promise<Proof> {
  const workspace = await createWorkspace(join(scratch, `nx-${nxVersion}`), nxVersion, imageName);
  writeBusyboxBase(workspace);
  workspace.write('lib-a/stage.json', { from: 'base', build: { type: 'custom', steps: ['mkdir -p /usr/local/share', 'echo alpha > /usr/local/share/a.txt'] } });
  const add = await workspace.add(tarball);
  const tree = await workspace.checkTree();
  const nxCopies = await workspace.copiesOf('nx');
  const plugins = workspace.readJson<{ plugins?: unknown }>('nx.json').plugins;
  const generate = await workspace.nx(['g', '@stagecraft/nx:stage', '--name=lib-b', '--from=base', '--depends=lib-a', '--no-interactive']);
  const projects = await workspace.nx(['show', 'projects', '--json']);
  const build = await workspace.nx(['run-many', '-t', 'docker-stage', '--output-style=static']);
  return { imageName, add, tree, nxCopies, plugins, generate, projects, build };
}

describe(`@stagecraft/nx on nx ${NX_VERSIONS.join(' and ')}`, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'stagecraft-nx-versions-'));
  const proofs = new Map<string, Proof>();
  const imageNames = NX_VERSIONS.map(() => uniqueImageName('nxv'));

  beforeAll(async () => {
    const tarball = join(scratch, pack(scratch).filename);
    const results = await Promise.all(NX_VERSIONS.map((version, i) => prove(version, scratch, tarball, imageNames[i])));
    NX_VERSIONS.forEach((version, i) => proofs.set(version, results[i]));
  });
  afterAll(async () => {
    rmSync(scratch, { recursive: true, force: true });
    for (const imageName of imageNames) await removeImagesNamed(imageName);
  });

  describe.each(NX_VERSIONS)('nx %s', (nxVersion) => {
    const proof = () => proofs.get(nxVersion)!;

    it('adds the plugin with `nx add` (npm i -D, then its init generator) with no peer conflict and one copy of nx', () => {
      expect(proof().add.output).toContain('Package @stagecraft/nx added successfully');
      expect(proof().add.status).toBe(0);
      expect(proof().tree.output).not.toMatch(/invalid|missing|ERESOLVE/);
      expect(proof().tree.status).toBe(0);
      expect(proof().nxCopies).toEqual(['node_modules/nx']);
      expect(proof().plugins).toEqual([{ plugin: '@stagecraft/nx', options: { imageName: proof().imageName } }]);
    });

    it('scaffolds a stage with `nx g @stagecraft/nx:stage` and infers every stage as a project', () => {
      expect(proof().generate.output).toContain('CREATE lib-b/stage.json');
      expect(proof().generate.status).toBe(0);
      expect(proof().projects.status).toBe(0);
      expect((JSON.parse(proof().projects.stdout) as string[]).sort()).toEqual(['base', 'lib-a', 'lib-b']);
    });

    it('builds every stage with `nx run-many -t docker-stage`', () => {
      expect(proof().build.output).toContain('Stagecraft: 3 stages: 3 built');
      expect(proof().build.status).toBe(0);
    });
  });
});
