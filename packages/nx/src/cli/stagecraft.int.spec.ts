import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { removeImagesNamed, uniqueImageName } from '../../testing/engine';
import { summaryStatuses } from '../../testing/summary';
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

/**
 * `stagecraft status`, `docker-stage --dry-run` and the run make one decision (ensure/stage-decision.ts):
 * over the same workspace each says what the run then does, for a first run, a second one,
 * STAGECRAFT_FORCE=1, --force, an unpinned external base, a declared tag that does not match, and
 * a stage after a refused one. base <- lib <- app; pinless (unpinned base) <- after-pinless; declared.
 */
describe('status, the dry run and the run agree (real engine)', () => {
  const imageName = uniqueImageName('agree');
  const CLOCK = { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' };
  /** What the run does with a stage of each status (no equivalence record exists: a pending stage is built). */
  const RUN_OF: Record<string, string> = { 'to-build': 'built', pending: 'built', present: 'present', remote: 'remote', refused: 'failed', skipped: 'skipped' };
  let workspace: TestWorkspace;
  const statusOf = (env: NodeJS.ProcessEnv = {}) => {
    const status = spawnSync(process.execPath, [CLI, 'status', '--json'], {
      cwd: workspace.root,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true', ...CLOCK, ...env },
    });
    expect({ status: status.status, stderr: status.stderr }).toMatchObject({ status: 0 });
    return JSON.parse(status.stdout) as Array<{ stage: string; status: string; reasons: string[] }>;
  };
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const result = workspace.nx([...args, '--output-style=static'], { ...CLOCK, ...env });
    return { ...result, output: result.stdout + result.stderr };
  };
  /** The status of every stage, then the run over all of them: each stage does what its status said. */
  const statusThenRun = (env: NodeJS.ProcessEnv = {}) => {
    const statuses = statusOf(env);
    const ran = summaryStatuses(run(['run-many', '-t', 'docker-stage'], env).output);
    expect(ran).toEqual(Object.fromEntries(statuses.map(({ stage, status }) => [stage, RUN_OF[status]])));
    return Object.fromEntries(statuses.map(({ stage, status }) => [stage, status]));
  };

  beforeAll(() => {
    workspace = createTestWorkspace({ imageName, defaultBase: 'base', verifyDeclaredTags: true });
    writeBusyboxBase(workspace);
    const step = (name: string) => ({ build: { type: 'custom', steps: ['mkdir -p /usr/local/share', `echo ${name} > /usr/local/share/${name}.txt`] } });
    workspace.write('lib/stage.json', step('lib'));
    workspace.write('app/stage.json', { depends: ['lib'], ...step('app') });
    // Only the local Engine could have it, and nothing pins it: the run refuses to build on it.
    workspace.write('pinless/stage.json', { from: `127.0.0.1:16198/${imageName}-external:1`, ...step('pinless') });
    workspace.write('after-pinless/stage.json', { from: 'pinless', ...step('after') });
    workspace.write('declared/stage.json', step('declared'));
    workspace.write('stagecraft-tags.yml', 'declared: 2026-W47-0000000000000000\n');
  });
  afterAll(async () => {
    workspace.remove();
    await removeImagesNamed(imageName);
  });

  it('on a first run, a second one and with STAGECRAFT_FORCE=1', () => {
    // With equivalence on, a stage after one to be built is pending on it: built, or equivalent.
    const pendingOnBase = expect.stringMatching(/^(to-build|pending)$/);
    expect(statusThenRun()).toEqual({
      base: 'to-build', lib: pendingOnBase, app: pendingOnBase, pinless: 'refused', 'after-pinless': 'skipped', declared: 'refused',
    });
    expect(statusThenRun()).toEqual({ base: 'present', lib: 'present', app: 'present', pinless: 'refused', 'after-pinless': 'skipped', declared: 'refused' });
    const forced = statusOf({ STAGECRAFT_FORCE: '1' });
    expect(forced.find((status) => status.stage === 'lib')?.reasons).toContain('forced (--force or STAGECRAFT_FORCE=1)');
    expect(statusThenRun({ STAGECRAFT_FORCE: '1' })).toEqual({
      base: 'to-build', lib: 'to-build', app: 'to-build', pinless: 'refused', 'after-pinless': 'skipped', declared: 'refused',
    });
  });

  it('the dry run says the same, --force included, and fails the tasks the run fails', () => {
    const dry = run(['run-many', '-t', 'docker-stage', '--dry-run']);
    expect(dry.status).not.toBe(0);
    expect(dry.output).toContain(`lib: dry run: image present: `);
    expect(dry.output).toMatch(/pinless: dry run: would fail: the external base '127\.0\.0\.1:16198\/.*' of pinless\/stage\.json is not pinned/);
    expect(dry.output).toContain('after-pinless: dry run: would be skipped: not built: upstream stage pinless would not build');
    expect(dry.output).toContain('declared: dry run: would fail: refusing to build (verifyDeclaredTags)');
    const forcedDry = run(['run', 'lib:docker-stage', '--dry-run', '--force']);
    expect(forcedDry.output).toMatch(/lib: dry run: would build \S+\n(.*\n)*lib: dry run: because forced/);
    expect(summaryStatuses(run(['run', 'lib:docker-stage', '--force']).output)).toMatchObject({ lib: 'built' });
  });
});
