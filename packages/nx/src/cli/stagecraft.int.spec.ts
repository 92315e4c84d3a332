import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { removeImagesNamed, uniqueImageName } from '../../testing/engine';
import { createTestWorkspace, REPO_ROOT, writeBusyboxBase, type TestWorkspace } from '../../testing/workspace';

const CLI = join(REPO_ROOT, 'packages/nx/dist/cli/stagecraft.js');

describe('the stagecraft CLI: run with the exit code passed on, and tag, plan and status for scripts (real engine)', () => {
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

  it('answers tag, plan and status on stdout alone, planning like the targets and building nothing', () => {
    const tag = cli(['tag', 'tool']);
    expect(tag.status).toBe(0);
    expect(tag.stdout).toMatch(new RegExp(`^${imageName}-tool:2026-W47-[0-9a-f]{16}\\n$`));

    const plan = cli(['plan', 'tool', '--json']);
    expect(plan.status).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ stage: 'tool', tag: tag.stdout.trim() });
    const targetPlan = workspace.nx(['run', 'tool:stage-plan', '--json', '--skip-nx-cache'], { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' });
    expect(targetPlan.stdout).toContain(`"tag":"${tag.stdout.trim()}"`);

    const status = cli(['status', '--json']);
    expect(status.status).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual([
      expect.objectContaining({ stage: 'base', status: 'to-build', reasons: ['no earlier build of this stage is recorded on this machine'] }),
      // With equivalence, a stage whose upstream is to be built waits for its output: pending.
      expect.objectContaining({ stage: 'tool', status: 'pending', pendingOn: ['base'], tag: tag.stdout.trim() }),
    ]);
    expect(cli(['status', 'tool']).stdout).toMatch(/^pending  tool  \S+\n {9}- pending base: built, or equivalent if its output comes out unchanged\n {9}- no earlier build/);
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

  it('says present once the image is there, and the dry run of docker-stage agrees without building', () => {
    const status = cli(['status', 'tool', '--json']);
    expect(JSON.parse(status.stdout)).toEqual([expect.objectContaining({ stage: 'tool', status: 'present', reasons: [] })]);
    workspace.write('tool/stage.json', { build: { type: 'custom', steps: ['mkdir -p /usr/local/share', 'echo changed > /usr/local/share/tool.txt'] } });
    const dryRun = workspace.nx(['run', 'tool:docker-stage', '--dry-run', '--output-style=static'], { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' });
    expect(dryRun.status).toBe(0);
    expect(dryRun.stderr + dryRun.stdout).toContain('tool: dry run: because the stage definition (stage.json) changed');
    const after = JSON.parse(cli(['status', 'tool', '--json']).stdout);
    expect(after).toEqual([expect.objectContaining({ status: 'to-build', reasons: ['the stage definition (stage.json) changed', 'the rendered Dockerfile changed'] })]);
  });

  it('says how to call it, and names an unknown stage', () => {
    expect(cli(['build', 'tool']).status).toBe(2);
    expect(cli(['tag']).status).toBe(2);
    expect(cli(['status', '--yaml']).status).toBe(2);
    const unknown = cli(['run', 'nope', '--', 'true']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("stagecraft: no stage named 'nope'");
  });
});
