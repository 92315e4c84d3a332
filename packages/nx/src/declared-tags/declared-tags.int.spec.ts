import Docker from 'dockerode';
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeImagesNamed, uniqueImageName } from '../../testing/engine';
import { createTestWorkspace, writeBusyboxBase, type NxRun, type TestWorkspace } from '../../testing/workspace';

/**
 * Declared tags (Mesa) and `run` (Chrome dockerbuild) through real nx and the
 * real Engine: base (busybox) <- tool.
 */
const CLOCK = { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' };
const TAGS = 'stagecraft-tags.yml';
const HEADER = '# Declared stage tags (Mesa structured tagging).\n# Update with: nx g @stagecraft/nx:update-tags\n';
const docker = new Docker();

describe('declared tags and run against the real engine', () => {
  const imageName = uniqueImageName('dt');
  let workspace: TestWorkspace;
  const nx = (args: string[], env: NodeJS.ProcessEnv = {}) => workspace.nx([...args], { ...CLOCK, ...env });
  const g = (...args: string[]) => nx(['g', '@stagecraft/nx:update-tags', ...args]);
  const tagsFile = () => readFileSync(join(workspace.root, TAGS), 'utf8');
  const output = (run: NxRun) => run.stdout + run.stderr;
  const configure = (options: object) =>
    workspace.write('nx.json', {
      plugins: [{ plugin: '@stagecraft/nx', options: { imageName, defaultBase: 'base', ...options } }],
      targetDefaults: { run: { options: { env: ['SC_PASSED'] } } },
    });
  const computedTag = (stage: string) => {
    const plan = nx(['run', `${stage}:stage-plan`, '--json', '--output-style=static', '--skip-nx-cache']);
    return JSON.parse(plan.stdout.split('\n').find((line) => line.startsWith('{'))!).tag as string;
  };
  const tagPart = (ref: string) => ref.slice(ref.lastIndexOf(':') + 1);
  const toolLine = () => tagsFile().split('\n').findIndex((line) => line.startsWith('tool:')) + 1;

  beforeAll(() => {
    workspace = createTestWorkspace({});
    configure({});
    writeBusyboxBase(workspace);
    workspace.write('tool/stage.json', { build: { type: 'custom', steps: ['mkdir -p /usr/local/share', 'cp greeting.txt /usr/local/share/'] } });
    workspace.write('tool/greeting.txt', 'hello\n');
    workspace.write('tool/sub/keep.txt', 'a directory to run from\n');
  });
  afterAll(async () => {
    workspace.remove();
    await removeImagesNamed(imageName);
  });

  describe('update-tags and tag-check', () => {
    let toolTag: string;
    let baseTag: string;

    beforeAll(() => {
      toolTag = tagPart(computedTag('tool'));
      baseTag = tagPart(computedTag('base'));
      expect(toolTag).toMatch(/^2026-W47-[0-9a-f]{16}$/);
      workspace.write(TAGS, `${HEADER}tool: 2026-W47-0000000000000000 # pinned by hand\n`);
    });

    it('--list shows declared and computed tags and changes nothing', () => {
      const run = g('--list');
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`base +- +${baseTag} +undeclared`));
      expect(run.stdout).toMatch(new RegExp(`tool +2026-W47-0000000000000000 +${toolTag} +mismatch`));
      expect(tagsFile()).toBe(`${HEADER}tool: 2026-W47-0000000000000000 # pinned by hand\n`);
    });

    it('tag-check fails a mismatch with both tags and the command that updates it, and passes an undeclared stage', () => {
      const run = nx(['run', 'tool:tag-check', '--output-style=static']);
      expect(run.status).not.toBe(0);
      expect(output(run)).toContain(
        `stage tool: computed tag ${toolTag} does not match the declared tag 2026-W47-0000000000000000 (${TAGS}:3). ` +
          "Update the declaration with: nx g @stagecraft/nx:update-tags --include='^tool$'",
      );
      const base = nx(['run', 'base:tag-check', '--output-style=static']);
      expect(base.status).toBe(0);
      expect(output(base)).toContain(`base: no declared tag in ${TAGS} (computed ${baseTag}); not required`);
    });

    it('--check prints a diff, fails, and leaves the file as it was', () => {
      const before = tagsFile();
      const run = g('--check');
      expect(run.status).not.toBe(0);
      expect(run.stdout).toContain(
        [`--- a/${TAGS}`, `+++ b/${TAGS}`, '@@ -1,3 +1,3 @@', ` ${HEADER.split('\n')[0]}`, ` ${HEADER.split('\n')[1]}`,
          '-tool: 2026-W47-0000000000000000 # pinned by hand', `+tool: ${toolTag} # pinned by hand`].join('\n'),
      );
      expect(output(run)).toContain('1 declared tag(s) out of date: tool (mismatch). Update them with: nx g @stagecraft/nx:update-tags');
      expect(tagsFile()).toBe(before);
    });

    it('--include updates the matching declaration in place, keeping comments and adding nothing else', () => {
      const run = g('--include=^to');
      expect(run.status).toBe(0);
      expect(tagsFile()).toBe(`${HEADER}tool: ${toolTag} # pinned by hand\n`);
    });

    it('tag-check then passes, and nx re-ran it because the declared-tags file is one of its inputs', () => {
      const run = nx(['run', 'tool:tag-check', '--output-style=static']);
      expect(run.status).toBe(0);
      expect(output(run)).toContain(`tool: tag ${toolTag} matches ${TAGS}`);
    });

    it('--all --exclude declares every other stage at the end of the file', () => {
      const run = g('--all', '--exclude=^tool$');
      expect(run.status).toBe(0);
      expect(tagsFile()).toBe(`${HEADER}tool: ${toolTag} # pinned by hand\nbase: ${baseTag}\n`);
      expect(g('--check').status).toBe(0);
    });

    it('--include is repeatable and matches anywhere in the name', () => {
      writeFileSync(join(workspace.root, 'tool/greeting.txt'), 'hello again\n');
      const changed = tagPart(computedTag('tool'));
      expect(changed).not.toBe(toolTag);
      const nothing = g('--include=^nomatch$');
      expect(nothing.status).toBe(0);
      expect(tagsFile()).toContain(`tool: ${toolTag}`);
      const run = g('--include=^nomatch$', '--include=oo');
      expect(run.status).toBe(0);
      expect(tagsFile()).toBe(`${HEADER}tool: ${changed} # pinned by hand\nbase: ${baseTag}\n`);
      writeFileSync(join(workspace.root, 'tool/greeting.txt'), 'hello\n');
      expect(g('--all').status).toBe(0);
      expect(tagsFile()).toBe(`${HEADER}tool: ${toolTag} # pinned by hand\nbase: ${baseTag}\n`);
    });

    it('fails an undeclared stage only when requireDeclaredTags is on', () => {
      const declared = tagsFile();
      try {
        workspace.write(TAGS, `tool: ${toolTag}\n`);
        expect(nx(['run', 'base:tag-check', '--output-style=static']).status).toBe(0);
        configure({ requireDeclaredTags: true });
        const run = nx(['run', 'base:tag-check', '--output-style=static']);
        expect(run.status).not.toBe(0);
        expect(output(run)).toContain(`stage base has no declared tag in ${TAGS} and requireDeclaredTags is on; its computed tag is ${baseTag}`);
      } finally {
        configure({});
        workspace.write(TAGS, declared);
      }
    });

    it.each([
      ['malformed YAML', `${HEADER}tool: [unclosed\nbase: x\n`, [] as string[], new RegExp(`${TAGS}:\\d+: not valid YAML`)],
      ['a declared stage that does not exist', `${HEADER}gone: 2026-W47-0000000000000000\n`, [], new RegExp(`${TAGS}:3: declares stage 'gone', but the workspace has no stage of that name`)],
      ['an invalid --include regex', `${HEADER}tool: x\n`, ['--include=('], /--include '\(' is not a valid regular expression/],
      ['an invalid --exclude regex', `${HEADER}tool: x\n`, ['--exclude=[a'], /--exclude '\[a' is not a valid regular expression/],
    ])('fails clearly on %s and leaves the file as it was', (_what, text, extra, message) => {
      workspace.write(TAGS, text);
      for (const args of [['--all', ...extra], ['--check', ...extra], ['--list', ...extra]]) {
        const run = g(...args);
        expect(run.status).not.toBe(0);
        expect(output(run)).toMatch(message);
        expect(tagsFile()).toBe(text);
      }
    });

    it('shows the generator and its options to Nx Console and --help', () => {
      const help = nx(['g', '@stagecraft/nx:update-tags', '--help']);
      expect(help.status).toBe(0);
      for (const option of ['--list', '--all', '--include', '--exclude', '--check']) expect(help.stdout).toContain(option);
      const schema = JSON.parse(readFileSync(join(__dirname, '..', 'generators', 'update-tags', 'schema.json'), 'utf8'));
      expect(schema.properties.include).toMatchObject({ type: 'array', items: { type: 'string' } });
    });
  });

  describe('with verifyDeclaredTags', () => {
    let toolRef: string;

    beforeAll(() => {
      configure({ verifyDeclaredTags: true });
      workspace.write(TAGS, '');
      expect(g('--all').status).toBe(0);
      toolRef = computedTag('tool');
    });

    it('docker-stage refuses to build a stage whose tag does not match, before any work, and builds the others', async () => {
      const declared = tagsFile();
      workspace.write(TAGS, declared.replace(/^tool: .*$/m, 'tool: 2026-W47-0000000000000000'));
      try {
        const run = nx(['run-many', '-t', 'docker-stage', '--output-style=static']);
        expect(run.status).not.toBe(0);
        expect(output(run)).toContain(
          `tool: failed: refusing to build (verifyDeclaredTags): stage tool: computed tag ${tagPart(toolRef)} does not match the declared tag 2026-W47-0000000000000000`,
        );
        expect(output(run)).not.toMatch(/^tool: (Step |\[internal\] )/m);
        expect(await docker.getImage(toolRef).inspect().then(() => true, () => false)).toBe(false);
        expect(output(run)).toMatch(/built +[\d.]+s +base /);
      } finally {
        workspace.write(TAGS, declared);
      }
    });

    it('builds when the declarations match, and run checks the image key label', () => {
      const run = nx(['run', 'tool:run', '--output-style=static', '--', 'cat', '/usr/local/share/greeting.txt']);
      expect(output(run)).toContain('hello\n');
      expect(run.status).toBe(0);
    });

    it('run refuses an image whose key label is not the declared build, naming both', async () => {
      const inspected = await docker.getImage(toolRef).inspect();
      const baseRef = computedTag('base');
      const baseKey = (await docker.getImage(baseRef).inspect()).Config.Labels['dev.stagecraft.key'];
      const [repo, tag] = [toolRef.slice(0, toolRef.lastIndexOf(':')), tagPart(toolRef)];
      await docker.getImage(baseRef).tag({ repo, tag });
      try {
        const run = nx(['run', 'tool:run', '--output-style=static', '--', 'true']);
        expect(run.status).not.toBe(0);
        expect(output(run)).toContain(
          `image ${toolRef} carries key ${baseKey} (label dev.stagecraft.key), which is not the build declared for stage tool in ` +
            `${TAGS}:${toolLine()} (${tagPart(toolRef)}): refusing to run it`,
        );
      } finally {
        await docker.getImage(toolRef).remove({ noprune: true });
        await docker.getImage(inspected.Id).tag({ repo, tag });
      }
      expect(nx(['run', 'tool:run', '--output-style=static', '--', 'true']).status).toBe(0);
    });
  });

  describe('run', () => {
    const runContainers = () => docker.listContainers({ all: true, filters: { label: ['dev.stagecraft.purpose=run', 'dev.stagecraft.stage=tool'] } });

    beforeAll(() => configure({}));

    it('propagates a failing exit code and removes the container', async () => {
      const run = nx(['run', 'tool:run', '--output-style=static', '--', 'sh', '-c', 'echo before; exit 3']);
      expect(run.status).not.toBe(0);
      expect(output(run)).toContain('before\n');
      expect(output(run)).toContain("tool: 'sh' '-c' 'echo before; exit 3' exited with code 3");
      expect(await runContainers()).toEqual([]);
    });

    it('passes the listed environment variables only, and maps the working directory', () => {
      const sub = join(workspace.root, 'tool/sub');
      const result = spawnSync(join(workspace.root, 'node_modules/.bin/nx'), ['run', 'tool:run', '--output-style=static', '--', 'sh', '-c', 'echo "passed=$SC_PASSED other=$SC_OTHER pwd=$(pwd)"'], {
        cwd: sub,
        encoding: 'utf8',
        env: { ...process.env, ...CLOCK, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true', SC_PASSED: 'yes it is', SC_OTHER: 'secret' },
      });
      expect(result.stdout + result.stderr).toContain('passed=yes it is other= pwd=/work/tool/sub');
      expect(result.status).toBe(0);
    });

    it('runs as the calling user: a file written through /work belongs to them', async () => {
      // As root, call nx as another user (with the docker socket's group), so the owner proves the uid:gid mapping.
      const root = process.getuid!() === 0;
      const uid = root ? 4321 : process.getuid!();
      const gid = root ? 4322 : process.getgid!();
      if (root) spawnSync('chown', ['-R', `${uid}:${gid}`, workspace.root]);
      const nxBin = join(workspace.root, 'node_modules/.bin/nx');
      const args = ['run', 'tool:run', '--output-style=static', '--', 'sh', '-c', 'id -u; id -g; echo made > /work/made-by-run.txt'];
      const socketGroup = statSync('/var/run/docker.sock').gid;
      const [command, commandArgs] = root
        ? ['setpriv', [`--reuid=${uid}`, `--regid=${gid}`, `--groups=${socketGroup}`, nxBin, ...args]]
        : [nxBin, args];
      // Nx keeps a runtime directory per user at /tmp/.nx/<uid>: the one made for the other user goes afterwards.
      const nxUserDir = `/tmp/.nx/${uid}`;
      const hadNxUserDir = existsSync(nxUserDir);
      const result = spawnSync(command, commandArgs as string[], {
        cwd: workspace.root,
        encoding: 'utf8',
        env: { ...process.env, ...CLOCK, HOME: workspace.root, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true' },
      });
      if (root) chownSync(workspace.root, 0, 0);
      if (root && !hadNxUserDir) rmSync(nxUserDir, { recursive: true, force: true });
      expect(result.stdout + result.stderr).toContain(`${uid}\n${gid}\n`);
      expect(result.status).toBe(0);
      const made = statSync(join(workspace.root, 'made-by-run.txt'));
      expect([made.uid, made.gid]).toEqual([uid, gid]);
      expect(await runContainers()).toEqual([]);
    });

    it('attaches stdin and a TTY when nx runs at a terminal', async () => {
      const nxBin = join(workspace.root, 'node_modules/.bin/nx');
      const inner = `${nxBin} run tool:run -- sh -c 'tty; read line; echo got:\\$line'`;
      // script(1) gives nx a terminal; the line is typed once the container waits for it.
      const result = spawnSync('sh', ['-c', `(sleep 8; printf 'typed\\r'; sleep 4) | script -qec "${inner.replace(/"/g, '\\"')}" /dev/null`], {
        cwd: workspace.root,
        encoding: 'utf8',
        env: { ...process.env, ...CLOCK, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true' },
        timeout: 120_000,
      });
      expect(result.stdout).toMatch(/\/dev\/pts\/\d+/);
      expect(result.stdout).toContain('got:typed');
      expect(await runContainers()).toEqual([]);
    });
  });
});
