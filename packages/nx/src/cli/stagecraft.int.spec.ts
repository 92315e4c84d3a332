import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { removeImagesNamed, uniqueImageName } from '../../testing/engine';
import { createTestWorkspace, REPO_ROOT, writeBusyboxBase, type TestWorkspace } from '../../testing/workspace';

const CLI = join(REPO_ROOT, 'packages/nx/dist/cli/stagecraft.js');

describe('stagecraft run: the run target for scripts, with the exit code passed on (real engine)', () => {
  const imageName = uniqueImageName('cli');
  let workspace: TestWorkspace;
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], {
      cwd: workspace.root,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true', STAGECRAFT_NOW: '2026-11-21T12:00:00Z' },
    });

  beforeAll(() => {
    workspace = createTestWorkspace({ imageName, defaultBase: 'base' });
    writeBusyboxBase(workspace);
    workspace.write('tool/stage.json', { build: { type: 'custom', steps: ['mkdir -p /usr/local/share', 'echo tool > /usr/local/share/tool.txt'] } });
  });
  afterAll(async () => {
    workspace.remove();
    await removeImagesNamed(imageName);
  });

  it("builds the image when needed and exits with the command's own exit code", () => {
    const failing = cli(['run', 'tool', '--', 'sh', '-c', 'cat /usr/local/share/tool.txt; exit 3']);
    expect(failing.status).toBe(3);
    expect(failing.stdout).toBe('tool\n');
    expect(failing.stderr).toContain('Stagecraft: 2 stages: 2 built');

    const passing = cli(['run', 'tool', '--', 'sh', '-c', 'pwd']);
    expect(passing.status).toBe(0);
    expect(passing.stdout).toBe('/work\n');
    expect(passing.stderr).toContain('Stagecraft: 2 stages: 2 present');
  });

  it('says how to call it, and names an unknown stage', () => {
    expect(cli(['build', 'tool']).status).toBe(2);
    const unknown = cli(['run', 'nope', '--', 'true']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("stagecraft: no stage named 'nope'");
  });
});
