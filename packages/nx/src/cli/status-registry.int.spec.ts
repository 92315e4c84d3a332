import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { removeImagesNamed, tagsNamed, uniqueImageName } from '../../testing/engine';
import { startTestRegistry, writeDockerConfig, type TestRegistry } from '../../testing/registry';
import { createTestWorkspace, REPO_ROOT, writeBusyboxBase, type TestWorkspace } from '../../testing/workspace';

const CLI = join(REPO_ROOT, 'packages/nx/dist/cli/stagecraft.js');
const CLOCK = { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' };

describe('stagecraft status with a workspace registry (real registry, real engine)', () => {
  const imageName = uniqueImageName('status-reg');
  let registry: TestRegistry;
  let dockerConfig: ReturnType<typeof writeDockerConfig>;
  let workspace: TestWorkspace;
  const env = () => ({ ...CLOCK, DOCKER_CONFIG: dockerConfig.dir });
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], {
      cwd: workspace.root,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true', ...env() },
    });
  const statusJson = () => {
    const result = cli(['status', '--json']);
    expect(result.status).toBe(0);
    return { stderr: result.stderr, statuses: JSON.parse(result.stdout) as Array<{ stage: string; status: string; tag: string; ref?: string; reasons: string[]; pendingOn?: string[] }> };
  };
  const useRegistry = (host: string) => workspace.write('nx.json', { plugins: [{ plugin: '@stagecraft/nx', options: { imageName, defaultBase: 'base', registry: host } }] });

  beforeAll(() => {
    registry = startTestRegistry(15060);
    dockerConfig = writeDockerConfig({});
    workspace = createTestWorkspace({ imageName, defaultBase: 'base', registry: registry.host });
    writeBusyboxBase(workspace);
    workspace.write('tool/stage.json', { build: { type: 'custom', steps: ['mkdir -p /usr/local/share', 'echo tool > /usr/local/share/tool.txt'] } });
    workspace.write('gone/stage.json', { build: { type: 'custom', steps: ['echo gone > /gone.txt'] } });
  });
  afterAll(async () => {
    workspace?.remove();
    await removeImagesNamed(imageName);
    registry?.stop();
    dockerConfig?.remove();
  });

  it('a stage pushed to the registry and gone locally is remote, with its reference; one absent everywhere is to-build', async () => {
    const pushed = workspace.nx(['run', 'tool:docker-stage', '--output-style=static'], { ...env(), STAGECRAFT_PUSH: '1' });
    expect(pushed.stderr + pushed.stdout).toMatch(/^tool: pushed to registry 127\.0\.0\.1:15060$/m);
    await removeImagesNamed(imageName);
    expect(await tagsNamed(`${registry.host}/${imageName}`)).toEqual([]);

    const { statuses, stderr } = statusJson();
    const toolTag = statuses.find((status) => status.stage === 'tool')!.tag;
    expect(toolTag.startsWith(`${registry.host}/${imageName}-tool:`)).toBe(true);
    expect(statuses).toEqual([
      expect.objectContaining({ stage: 'base', status: 'remote', registry: registry.host }),
      expect.objectContaining({ stage: 'gone', status: 'to-build', reasons: ['no earlier build of this stage is recorded on this machine'] }),
      expect.objectContaining({ stage: 'tool', status: 'remote', registry: registry.host, ref: toolTag, reasons: [] }),
    ]);
    expect(stderr).not.toContain('warning');
    expect(cli(['status', 'tool']).stdout).toBe(`remote   tool  ${toolTag}\n         - in registry ${registry.host}: ${toolTag}\n`);

    const dryRun = workspace.nx(['run', 'tool:docker-stage', '--dry-run', '--output-style=static'], env());
    expect(dryRun.status).toBe(0);
    expect(dryRun.stderr + dryRun.stdout).toContain(`tool: dry run: in registry ${registry.host}: ${toolTag}; nothing to build`);
    expect(await tagsNamed(`${registry.host}/${imageName}`)).toEqual([]);
  });

  it('a registry that does not answer: a warning naming it and its setting, and every missing stage to-build or pending on one', () => {
    useRegistry('127.0.0.1:15061');
    try {
      const { statuses, stderr } = statusJson();
      expect(stderr.match(/warning: could not check registry 127\.0\.0\.1:15061: .*\(configured in nx\.json at the @stagecraft\/nx plugin's options\/registry\)/g)).toHaveLength(1);
      expect(statuses.map((status) => [status.status, status.pendingOn])).toEqual([
        ['to-build', undefined],
        ['pending', ['base']],
        ['pending', ['base']],
      ]);
      expect(statuses[0].reasons[0]).toBe('registry 127.0.0.1:15061 could not be checked; docker-stage would build without it');
    } finally {
      useRegistry(registry.host);
    }
  });
});
