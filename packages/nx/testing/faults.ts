/**
 * Faults injected into real runs against a real Docker Engine: an interrupt
 * during a build, an engine killed during a build, a damaged cache, a file
 * rewritten during a build, three processes racing for a stale lock. Each
 * fault's runOnce injects it once and reports whether Stagecraft kept working
 * (the run after the fault completes) and whether data was lost (a wrong or
 * partial tag, a lost file). The integration spec runs each once; the bench
 * (tools/bench/faults) runs each a fixed number of times and prints a table.
 *
 * Self-contained (node built-ins, dockerode and tar-stream), so the bench can load it
 * without a build step. Inspection goes through dockerode, as the product's does.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Docker from 'dockerode';
import * as tar from 'tar-stream';

export interface FaultResult {
  keptWorking: boolean;
  dataLost: boolean;
  /** What went wrong, for the report; empty when nothing did. */
  detail: string;
}

export interface Fault {
  name: string;
  setUp(): Promise<void>;
  runOnce(cycle: number): Promise<FaultResult>;
  tearDown(): Promise<void>;
}

export interface FaultOptions {
  /** This repository's root: its node_modules (with the built plugin) serve the workspaces. */
  repoRoot: string;
  /** Prefix of every image name, unique to this run. */
  imagePrefix: string;
}

const NX_ENV = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true', STAGECRAFT_NOW: '2026-11-21T12:00:00Z' };
const DATA_FILE = '/usr/local/share/data.txt';

// ---- workspaces, nx and the engine ----

class Workspace {
  readonly root: string;
  constructor(
    private readonly options: FaultOptions,
    readonly imageName: string,
    readonly dockerHost?: string,
  ) {
    this.root = mkdtempSync(join(tmpdir(), 'stagecraft-fault-'));
    this.write('package.json', JSON.stringify({ name: 'fault-workspace', private: true }));
    // The legacy builder: the faults are timed by the RUN step's container, and only the legacy builder runs
    // steps in Engine containers (BuildKit runs them in its own executor, invisible to `docker ps`).
    const pluginOptions = { imageName, defaultBase: 'base', defaultRefresh: 'never', builder: 'legacy' };
    this.write('nx.json', JSON.stringify({ plugins: [{ plugin: '@stagecraft/nx', options: pluginOptions }] }));
    symlinkSync(join(options.repoRoot, 'node_modules'), join(this.root, 'node_modules'), 'dir');
    this.write('base/Dockerfile', 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n');
    copyFileSync('/bin/busybox', join(this.root, 'base/busybox'));
    chmodSync(join(this.root, 'base/busybox'), 0o755);
  }

  write(path: string, content: string | Buffer): void {
    mkdirSync(dirname(join(this.root, path)), { recursive: true });
    writeFileSync(join(this.root, path), content);
  }

  /** A stage that copies data.txt into its image after `seconds` of work. */
  writeSlowStage(name: string, seconds: number): void {
    this.write(
      `${name}/stage.json`,
      JSON.stringify({ build: { type: 'custom', steps: [`sleep ${seconds}`, 'mkdir -p /usr/local/share', 'cp data.txt /usr/local/share/'] } }),
    );
  }

  start(args: string[]): NxProcess {
    const env = { ...process.env, ...NX_ENV, ...(this.dockerHost ? { DOCKER_HOST: this.dockerHost } : {}) };
    const child = spawn(join(this.root, 'node_modules', '.bin', 'nx'), [...args, '--output-style=static'], { cwd: this.root, env, detached: true });
    return new NxProcess(child);
  }

  async nx(args: string[], timeoutMs = 300_000): Promise<NxResult> {
    return this.start(args).done(timeoutMs);
  }

  /** The engine the workspace builds with: DOCKER_HOST's socket, or the shared one. */
  get engine(): Docker {
    this.connection ??= this.dockerHost ? new Docker({ socketPath: this.dockerHost.replace(/^unix:\/\//, '') }) : new Docker();
    return this.connection;
  }
  private connection: Docker | undefined;

  /** Every local tag of this workspace's images (of one stage, when given), sorted; none while the engine is away. */
  async tagsOf(stage?: string): Promise<string[]> {
    const prefix = stage ? `${this.imageName}-${stage}:` : this.imageName;
    const images = await this.engine.listImages().catch(() => []);
    return images.flatMap((image) => image.RepoTags ?? []).filter((tag) => tag.startsWith(prefix)).sort();
  }

  /** A file's content in an image, read from a container that is created and never started. */
  async fileInImage(tag: string, path: string): Promise<string | undefined> {
    const container = await this.engine.createContainer({ Image: tag, Cmd: ['true'], NetworkDisabled: true }).catch(() => undefined);
    if (!container) return undefined;
    try {
      return await onlyFileOf(await container.getArchive({ path }));
    } catch {
      return undefined;
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  }

  /** Containers made from the base or any image built on it (only the running ones, when asked). */
  async containersOnBase(runningOnly = false): Promise<string[]> {
    const [base] = await this.tagsOf('base');
    if (!base) return [];
    const containers = await this.engine.listContainers({ all: !runningOnly, filters: { ancestor: [base] } }).catch(() => []);
    return containers.map((container) => container.Id);
  }

  async removeImages(tags?: string[]): Promise<void> {
    for (const tag of tags ?? (await this.tagsOf())) await this.engine.getImage(tag).remove({ force: true }).catch(() => undefined);
  }

  async dispose(): Promise<void> {
    await this.removeImages();
    this.remove();
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  get cacheDir(): string {
    return join(this.root, '.nx', 'cache', 'stagecraft');
  }
}

export interface NxResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  ms: number;
}

class NxProcess {
  output = '';
  private readonly started = Date.now();
  private readonly exited: Promise<NxResult>;

  constructor(private readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk) => (this.output += chunk));
    child.stderr!.on('data', (chunk) => (this.output += chunk));
    this.exited = new Promise((resolve) =>
      child.on('close', (status, signal) => resolve({ status, signal, output: this.output, ms: Date.now() - this.started })),
    );
  }

  /** Sends the signal to nx and every process it started, as Ctrl-C or a cancelled CI job does. */
  signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.child.pid!, signal);
    } catch {
      // already gone
    }
  }

  async done(timeoutMs: number): Promise<NxResult> {
    const timer = setTimeout(() => this.signal('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return condition();
}

/** The content of the one file in a tar stream (getArchive of a file's path). */
function onlyFileOf(archive: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const extract = tar.extract();
    const chunks: Buffer[] = [];
    extract.on('entry', (_header, stream, next) => {
      stream.on('data', (chunk) => chunks.push(chunk as Buffer));
      stream.on('end', next);
      stream.resume();
    });
    extract.on('finish', () => resolve(Buffer.concat(chunks).toString('utf8')));
    extract.on('error', reject);
    archive.on('error', reject);
    archive.pipe(extract);
  });
}

function failure(detail: string, dataLost = false): FaultResult {
  return { keptWorking: false, dataLost, detail };
}

/** The run after a fault: it must complete, and the image must hold what the workspace says. */
async function rerunHolds(workspace: Workspace, stage: string, content: string): Promise<FaultResult> {
  const rerun = await workspace.nx(['run', `${stage}:docker-stage`]);
  if (rerun.status !== 0) return failure(`the run after the fault failed: ${rerun.output.slice(-600)}`);
  const tags = await workspace.tagsOf(stage);
  const contents = await Promise.all(tags.map((tag) => workspace.fileInImage(tag, DATA_FILE)));
  if (!contents.includes(content)) return { keptWorking: true, dataLost: true, detail: `no image of ${stage} holds the workspace's data.txt` };
  return { keptWorking: true, dataLost: false, detail: '' };
}

/** Writes new data for the slow stage and starts its build; returns once the build's RUN step runs in a container. */
async function slowBuildAtItsRunStep(
  workspace: Workspace,
  label: string,
  cycle: number,
): Promise<{ run: NxProcess; content: string; before: string[] } | FaultResult> {
  const content = `${label} cycle ${cycle} ${randomBytes(4).toString('hex')}\n`;
  workspace.write('slow/data.txt', content);
  // The faulted build is the slow one; the run after it builds the same content quickly.
  workspace.writeSlowStage('slow', 30);
  const before = await workspace.tagsOf('slow');
  const run = workspace.start(['run', 'slow:docker-stage']);
  if (!(await waitFor(async () => (await workspace.containersOnBase(true)).length > 0, 120_000, 200))) {
    run.signal('SIGKILL');
    return failure(`the build never reached its RUN step: ${run.output.slice(-600)}`);
  }
  return { run, content, before };
}

async function newTags(workspace: Workspace, before: string[]): Promise<string[]> {
  return (await workspace.tagsOf('slow')).filter((tag) => !before.includes(tag));
}

/** The slow stage made quick again, then the run after the fault. */
function quickRerunHolds(workspace: Workspace, content: string): Promise<FaultResult> {
  workspace.writeSlowStage('slow', 0);
  return rerunHolds(workspace, 'slow', content);
}

// ---- the faults ----

/** SIGINT or SIGTERM to nx and its processes while a RUN step is running. */
function interruptFault(options: FaultOptions, signal: 'SIGINT' | 'SIGTERM'): Fault {
  let workspace: Workspace;
  return {
    name: `${signal} during a build`,
    async setUp() {
      workspace = new Workspace(options, `${options.imagePrefix}-${signal.toLowerCase()}`);
      workspace.writeSlowStage('slow', 30);
      const base = await workspace.nx(['run', 'base:docker-stage']);
      if (base.status !== 0) throw new Error(`the base did not build: ${base.output}`);
    },
    async runOnce(cycle) {
      const started = await slowBuildAtItsRunStep(workspace, signal, cycle);
      if ('keptWorking' in started) return started;
      started.run.signal(signal);
      const interrupted = await started.run.done(60_000);
      if (interrupted.status === 0) return failure('the interrupted run reported success');
      const leftTags = await newTags(workspace, started.before);
      if (leftTags.length) return failure(`the interrupted build left the tag ${leftTags.join(', ')}`, true);
      if (!(await waitFor(async () => (await workspace.containersOnBase()).length === 0, 20_000, 250))) {
        return failure(`containers left behind: ${(await workspace.containersOnBase()).join(', ')}`);
      }
      return quickRerunHolds(workspace, started.content);
    },
    async tearDown() {
      await workspace?.dispose();
    },
  };
}

/** SIGKILL to a second, throw-away dockerd while a RUN step is running; then it is started again. */
function engineKilledFault(options: FaultOptions): Fault {
  let workspace: Workspace;
  let engineDir: string;
  const script = join(options.repoRoot, 'tools', 'extra-engine.sh');
  const engine = (action: 'start' | 'stop') => {
    const result = spawnSync('bash', [script, action, engineDir], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`tools/extra-engine.sh ${action} failed: ${result.stderr}`);
  };
  return {
    name: 'engine killed during a build',
    async setUp() {
      engineDir = mkdtempSync('/tmp/scf-');
      engine('start');
      workspace = new Workspace(options, `${options.imagePrefix}-engine`, `unix://${engineDir}/docker.sock`);
      workspace.writeSlowStage('slow', 30);
      // The extra engine's image store starts empty: the base is built from files.
      const base = await workspace.nx(['run', 'base:docker-stage']);
      if (base.status !== 0) throw new Error(`the base did not build on the extra engine: ${base.output}`);
    },
    async runOnce(cycle) {
      const started = await slowBuildAtItsRunStep(workspace, 'engine', cycle);
      if ('keptWorking' in started) return started;
      process.kill(Number(readFileSync(join(engineDir, 'pid'), 'utf8')), 'SIGKILL');
      const failed = await started.run.done(120_000);
      const named = /Docker Engine/.test(failed.output) && /start it|DOCKER_HOST/.test(failed.output);
      engine('start');
      if (failed.status === 0) return failure('the run reported success while its engine was killed');
      const leftTags = await newTags(workspace, started.before);
      if (leftTags.length) return failure(`the killed build left the tag ${leftTags.join(', ')}`, true);
      if (!named) return failure(`the failure does not name the engine and the fix: ${failed.output.slice(-800)}`);
      return quickRerunHolds(workspace, started.content);
    },
    async tearDown() {
      if (engineDir) {
        try {
          engine('stop');
        } finally {
          rmSync(engineDir, { recursive: true, force: true });
        }
      }
      workspace?.remove();
    },
  };
}

/** Every file in Stagecraft's cache directory truncated or overwritten with garbage, then the images rebuilt from it. */
function corruptCacheFault(options: FaultOptions): Fault {
  let workspace: Workspace;
  let server: Server;
  let scratch: string;
  let firstTags: Record<string, string[]>;
  const stages = ['tarball', 'tagged', 'local'];
  const contents: Record<string, string> = { tarball: 'from a tarball\n', tagged: 'from git\n', local: 'from the workspace\n' };
  const tagsByStage = async () => Object.fromEntries(await Promise.all(stages.map(async (stage) => [stage, await workspace.tagsOf(stage)] as const)));
  return {
    name: 'damaged cache files',
    async setUp() {
      scratch = mkdtempSync(join(tmpdir(), 'stagecraft-fault-src-'));
      mkdirSync(join(scratch, 'pkg-1.0'));
      writeFileSync(join(scratch, 'pkg-1.0', 'data.txt'), contents.tarball);
      spawnSync('tar', ['-czf', 'pkg-1.0.tar.gz', 'pkg-1.0'], { cwd: scratch });
      const archive = readFileSync(join(scratch, 'pkg-1.0.tar.gz'));
      server = createServer((request, response) => (request.url === '/pkg-1.0.tar.gz' ? response.end(archive) : response.writeHead(404).end()));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pkg-1.0.tar.gz`;

      const repo = join(scratch, 'work');
      mkdirSync(repo);
      const git = (cwd: string, ...args: string[]) =>
        spawnSync('git', ['-c', 'user.email=f@stagecraft.invalid', '-c', 'user.name=Fault', ...args], { cwd, encoding: 'utf8' });
      git(repo, 'init', '-q');
      writeFileSync(join(repo, 'data.txt'), contents.tagged);
      git(repo, 'add', '-A');
      git(repo, 'commit', '-qm', 'v1');
      git(repo, 'tag', 'v1.0');
      git(scratch, 'clone', '-q', '--bare', repo, join(scratch, 'remote.git'));

      workspace = new Workspace(options, `${options.imagePrefix}-cache`);
      const copyData = ['mkdir -p /usr/local/share', 'cp data.txt /usr/local/share/'];
      workspace.write('tarball/stage.json', JSON.stringify({ source: { url, sha256: createHash('sha256').update(archive).digest('hex') }, build: { type: 'custom', steps: copyData } }));
      workspace.write('tagged/stage.json', JSON.stringify({ source: { git: join(scratch, 'remote.git'), rev: 'v1.0' }, build: { type: 'custom', steps: copyData } }));
      workspace.write('local/stage.json', JSON.stringify({ build: { type: 'custom', steps: copyData } }));
      workspace.write('local/data.txt', contents.local);
      const first = await workspace.nx(['run-many', '-t', 'docker-stage']);
      if (first.status !== 0) throw new Error(`the first build failed: ${first.output}`);
      firstTags = await tagsByStage();
    },
    async runOnce(cycle) {
      const damaged = damageEveryFile(workspace.cacheDir, cycle);
      if (damaged === 0) return failure('the cache directory held no files to damage');
      // Without their images, the stages are built again from the damaged store.
      await workspace.removeImages(stages.flatMap((stage) => firstTags[stage]));
      const run = await workspace.nx(['run-many', '-t', 'docker-stage']);
      const tags = await tagsByStage();
      const sameTags = JSON.stringify(tags) === JSON.stringify(firstTags);
      const holdsWrongData = async (stage: string) => {
        const inImages = await Promise.all(tags[stage].map((tag) => workspace.fileInImage(tag, DATA_FILE)));
        return inImages.some((content) => content !== contents[stage]);
      };
      const wrong = (await Promise.all(stages.map(async (stage) => ((await holdsWrongData(stage)) ? [stage] : [])))).flat();
      if (!sameTags || wrong.length) {
        const failed = run.status === 0 ? '' : `; the run failed: ${run.output.split("\n").filter((line) => /tagged/.test(line)).slice(-8).join(" / ")}`;
        return { keptWorking: run.status === 0, dataLost: true, detail: `tags ${JSON.stringify(tags)}; wrong content in ${wrong.join(', ') || 'none'}${failed}` };
      }
      if (run.status !== 0) return failure(`the run over ${damaged} damaged files failed: ${run.output.slice(-800)}`);
      return { keptWorking: true, dataLost: false, detail: '' };
    },
    async tearDown() {
      server?.close();
      await workspace?.dispose();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** Truncates (even cycles: to half; odd: to nothing) or overwrites with garbage every file under dir. */
function damageEveryFile(dir: string, cycle: number): number {
  let count = 0;
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        if (count % 2 === 0) truncateSync(full, cycle % 2 === 0 ? Math.floor(statSync(full).size / 2) : 0);
        else writeFileSync(full, randomBytes(1 + (count % 97)));
        count++;
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return count;
}

/** data.txt rewritten every few milliseconds while the stage is planned and its context packed. */
function rewrittenFileFault(options: FaultOptions): Fault {
  let workspace: Workspace;
  return {
    name: 'file rewritten during a build',
    async setUp() {
      workspace = new Workspace(options, `${options.imagePrefix}-rewrite`);
      workspace.writeSlowStage('slow', 0);
      const base = await workspace.nx(['run', 'base:docker-stage']);
      if (base.status !== 0) throw new Error(`the base did not build: ${base.output}`);
    },
    async runOnce(cycle) {
      let flips = 0;
      const writer = setInterval(() => workspace.write('slow/data.txt', `rewrite ${cycle} ${flips++ % 2 ? 'odd' : 'even'}\n`.repeat(4000)), 2);
      let run: NxResult;
      try {
        run = await workspace.nx(['run', 'slow:docker-stage']);
      } finally {
        clearInterval(writer);
      }
      if (run.status === 0) {
        // Built: the image must hold exactly the content its key was computed from.
        const manifest = JSON.parse(readFileSync(join(workspace.root, 'dist/stagecraft/slow.json'), 'utf8'));
        const keyed = manifest.keyDocument.context.find((file: { path: string }) => file.path === 'source/data.txt').sha256;
        const inImage = await workspace.fileInImage(manifest.tag, DATA_FILE);
        if (inImage === undefined || createHash('sha256').update(inImage).digest('hex') !== keyed) {
          return { keptWorking: true, dataLost: true, detail: `${manifest.tag} holds content its key was not computed from` };
        }
      } else if (!/changed since the stage was planned/.test(run.output)) {
        return failure(`the run failed without naming the changed file: ${run.output.split('\n').filter((line) => /failed|error/i.test(line)).slice(0, 6).join(' / ')}`);
      }
      const content = `settled ${cycle} ${randomBytes(4).toString('hex')}\n`;
      workspace.write('slow/data.txt', content);
      return rerunHolds(workspace, 'slow', content);
    },
    async tearDown() {
      await workspace?.dispose();
    },
  };
}

/** Three processes take over one stale tag lock at the same instant (testing/lock-racer.js). */
function lockRaceFault(options: FaultOptions): Fault {
  let root: string;
  const lockModule = join(options.repoRoot, 'packages', 'nx', 'dist', 'ensure', 'tag-lock.js');
  const racer = join(options.repoRoot, 'packages', 'nx', 'testing', 'lock-racer.js');
  return {
    name: '3 processes race for a stale lock',
    async setUp() {
      root = mkdtempSync(join(tmpdir(), 'stagecraft-fault-lock-'));
    },
    async runOnce(cycle) {
      const dir = join(root, String(cycle));
      const name = createHash('sha256').update('racer:1').digest('hex').slice(0, 32);
      mkdirSync(join(dir, 'locks', name), { recursive: true });
      writeFileSync(join(dir, 'locks', name, '1'), '999999999 1');
      const racers = ['a', 'b', 'c'].map(
        (id) =>
          new Promise<number | null>((resolve) => {
            const child = spawn(process.execPath, [racer, lockModule, dir, id], { stdio: 'ignore' });
            child.on('close', resolve);
          }),
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      writeFileSync(join(dir, 'go'), '');
      const codes = await Promise.all(racers);
      const log = readFileSync(join(dir, 'log'), 'utf8').trim().split('\n');
      const overlaps = log.filter((line) => line.startsWith('overlap'));
      const alternating = log.map((line) => line.split(' ')[0]).join(' ') === 'in out in out in out';
      if (overlaps.length || !alternating) return { keptWorking: codes.every((c) => c === 0), dataLost: true, detail: `two holders at once: ${log.join('; ')}` };
      if (!codes.every((c) => c === 0)) return failure(`a racer failed: exit codes ${codes.join(', ')}`);
      return { keptWorking: true, dataLost: false, detail: '' };
    },
    async tearDown() {
      if (root) rmSync(root, { recursive: true, force: true });
    },
  };
}

export function faults(options: FaultOptions): Fault[] {
  return [
    interruptFault(options, 'SIGINT'),
    interruptFault(options, 'SIGTERM'),
    engineKilledFault(options),
    corruptCacheFault(options),
    rewrittenFileFault(options),
    lockRaceFault(options),
  ];
}
