import Docker from 'dockerode';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFilesFromImage } from '../docker/archive';
import { removeImagesNamed, uniqueImageName } from '../../testing/engine';
import { createTestWorkspace, type TestWorkspace } from '../../testing/workspace';

const CLOCK = { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' };

/**
 * An ordinary monorepo that registers the plugin: two apps with a docker/
 * directory each, an Nx project (project.json) with a Dockerfile of its own,
 * a vendored Go module's Dockerfile and a git-ignored one (neither of which
 * could build here: no network, no such bases).
 */
function writeMonorepo(workspace: TestWorkspace) {
  workspace.write('apps/svc/project.json', { name: 'svc', targets: { hello: { command: 'echo hello' } } });
  workspace.write('apps/svc/Dockerfile', 'FROM scratch\nCOPY main.txt /srv/main.txt\n');
  workspace.write('apps/svc/main.txt', 'svc\n');
  workspace.write('apps/api/docker/Dockerfile', 'FROM svc\nCOPY api.txt /srv/api.txt\n');
  workspace.write('apps/api/docker/api.txt', 'api\n');
  workspace.write('apps/web/docker/Dockerfile', 'FROM scratch\nCOPY web.txt /srv/web.txt\n');
  workspace.write('apps/web/docker/web.txt', 'web\n');
  workspace.write('vendor/github.com/acme/tool/v2/Dockerfile', 'FROM golang:1.22\nRUN go build ./...\n');
  workspace.write('.gitignore', 'generated/\n');
  workspace.write('generated/image/Dockerfile', 'FROM node:22\n');
}

describe('Stagecraft registered in an existing monorepo', () => {
  const imageName = uniqueImageName('monorepo');
  let workspace: TestWorkspace;

  beforeAll(() => {
    workspace = createTestWorkspace({ imageName });
    writeMonorepo(workspace);
  });
  afterAll(async () => {
    workspace.remove();
    await removeImagesNamed(imageName);
  });

  it('nx show projects succeeds: the docker directories are two stages named after their paths, with a warning; nothing vendored or ignored is a stage', () => {
    const run = workspace.nx(['show', 'projects', '--json']);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).sort()).toEqual(['apps-api-docker', 'apps-web-docker', 'svc']);
    expect(run.stderr).toContain("apps/api/docker/Dockerfile and apps/web/docker/Dockerfile would all be stage 'docker'");
  });

  it("adds the Stagecraft targets to svc's own project, beside its own", () => {
    const run = workspace.nx(['show', 'project', 'svc', '--json']);
    expect(run.status).toBe(0);
    const svc = JSON.parse(run.stdout);
    expect(svc.root).toBe('apps/svc');
    expect(Object.keys(svc.targets)).toEqual(expect.arrayContaining(['hello', 'docker-stage', 'stage-plan', 'run']));
    expect(svc.tags).toContain('stagecraft');
  });

  it("builds a stage FROM svc on the real engine: svc's image first, under the project's name", async () => {
    const run = workspace.nx(['run', 'apps-api-docker:docker-stage', '--output-style=static'], CLOCK);
    expect(run.stderr + run.stdout).toContain('2 built');
    expect(run.status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(workspace.root, 'dist/stagecraft/apps-api-docker.json'), 'utf8'));
    expect(manifest.tag).toMatch(new RegExp(`^${imageName}-apps-api-docker:2026-W47-[0-9a-f]{16}$`));
    const out = mkdtempSync(join(tmpdir(), 'stagecraft-monorepo-files-'));
    try {
      expect(await readFilesFromImage(new Docker(), manifest.tag, ['/srv/*.txt'], out)).toEqual(['api.txt', 'main.txt']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("honours the plugin's exclude in nx.json: an excluded directory is no stage, and the other docker directory keeps its own name", () => {
    workspace.write('nx.json', { plugins: [{ plugin: '@stagecraft/nx', options: { imageName }, exclude: ['apps/web/**'] }] });
    const run = workspace.nx(['show', 'projects', '--json']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).sort()).toEqual(['docker', 'svc']);
    expect(run.stderr).not.toContain('would all be stage');
  });
});
