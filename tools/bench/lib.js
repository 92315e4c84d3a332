// Shared helpers for the benchmarks: temp workspaces wired to this repository's node_modules, timing, medians.
const { spawnSync } = require('node:child_process');
const { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { dirname, join } = require('node:path');

const REPO_ROOT = join(__dirname, '..', '..');

function makeWorkspace(prefix, nxJson) {
  const root = mkdtempSync(join(tmpdir(), prefix));
  writeJson(root, 'package.json', { name: prefix.replace(/[^a-z]/g, ''), private: true });
  writeJson(root, 'nx.json', nxJson);
  symlinkNodeModules(root);
  return root;
}

/** The workspace's node_modules: this repository's (where @stagecraft/nx is packages/nx). */
function symlinkNodeModules(root) {
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
}

function writeFile(root, path, content) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

function writeJson(root, path, value) {
  writeFile(root, path, `${JSON.stringify(value, null, 2)}\n`);
}

const NX_ENV = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true' };

function nx(root, args, env = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(join(root, 'node_modules', '.bin', 'nx'), args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...NX_ENV, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    throw new Error(`nx ${args.join(' ')} failed in ${root}:\n${result.stdout}\n${result.stderr}`);
  }
  return { seconds, stdout: result.stdout, stderr: result.stderr };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function remove(root) {
  rmSync(root, { recursive: true, force: true });
}

/** A deterministic pseudo-random generator, so every run benchmarks the same workspace. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** How Nx loads plugins in the timed runs: Nx's default (each plugin in its own worker process) or in-process. */
function nxPluginLoading() {
  return process.env.NX_ISOLATE_PLUGINS === 'false'
    ? 'Nx plugins loaded in-process (NX_ISOLATE_PLUGINS=false)'
    : "Nx plugins isolated (Nx's default; NX_ISOLATE_PLUGINS=false loads them in-process)";
}

module.exports = { REPO_ROOT, makeWorkspace, symlinkNodeModules, writeFile, writeJson, nx, median, remove, seededRandom, nxPluginLoading };

// ---- Engine benchmarks (noop, cold, multistage, affected) ----
const { copyFileSync, chmodSync, readFileSync } = require('node:fs');
const { randomBytes } = require('node:crypto');
const Module = require('node:module');

/** A unique image name prefix (bench-<purpose>-<hex>), so a run never meets another run's images. */
function uniqueImageName(purpose) {
  return `bench-${purpose}-${randomBytes(4).toString('hex')}`;
}

/** The label every image of one benchmark run carries (set in its base stage, so every stage inherits it). */
const RUN_LABEL = 'dev.stagecraft.bench-run';

function docker(args, options = {}) {
  const result = spawnSync('docker', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/**
 * The busybox base stage: FROM scratch plus Debian's static busybox, with the run's label first so that
 * every image built on it is unique to the run (no layer cache from earlier runs) and found by cleanup.
 */
function busyboxBaseDockerfile(runId) {
  // The run id in a file too: BuildKit's cache ignores labels, so only content makes the base new to it.
  return ['FROM scratch', `LABEL ${RUN_LABEL}=${runId}`, 'COPY busybox /bin/busybox', `RUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && echo ${runId} > /etc/bench-run"]`];
}

function writeBusyboxBase(root, dir, runId) {
  writeFile(root, `${dir}/Dockerfile`, `${busyboxBaseDockerfile(runId).join('\n')}\n`);
  copyFileSync('/bin/busybox', join(root, dir, 'busybox'));
  chmodSync(join(root, dir, 'busybox'), 0o755);
}

/**
 * Removes the run's images: every tag under the name prefix, then every image (tagged or not, e.g. the
 * legacy builder's intermediate multi-stage images) carrying the run's label, children before parents.
 */
function removeRunImages(imagePrefix, runId) {
  const tags = docker(['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout.split('\n')
    .filter((tag) => tag.startsWith(imagePrefix));
  if (tags.length) docker(['rmi', '-f', ...tags]);
  for (let pass = 0; pass < 50; pass++) {
    const ids = [...new Set(docker(['images', '-a', '-q', '--no-trunc', '--filter', `label=${RUN_LABEL}=${runId}`]).stdout.split('\n').filter(Boolean))];
    if (ids.length === 0) return;
    // Parents with children refuse removal; they go in a later pass.
    for (const id of ids) docker(['rmi', '-f', id]);
  }
  console.error(`warning: images labelled ${RUN_LABEL}=${runId} remain`);
}

/** Cleanups not run yet; one signal handler runs them all. */
const pendingCleanups = new Set();

/** Runs cleanup once: at the end, on failure, and on SIGINT/SIGTERM. */
function onExit(cleanup) {
  if (pendingCleanups.size === 0 && process.listenerCount('SIGINT') === 0) {
    for (const signal of ['SIGINT', 'SIGTERM']) {
      process.on(signal, () => {
        for (const pending of [...pendingCleanups]) pending();
        process.exit(signal === 'SIGINT' ? 130 : 143);
      });
    }
  }
  const once = () => {
    if (!pendingCleanups.delete(once)) return;
    cleanup();
  };
  pendingCleanups.add(once);
  return once;
}

/** Loads a TypeScript module of this repository (type-only imports), transpiled in memory. */
function requireTypeScript(path) {
  const ts = require(join(REPO_ROOT, 'node_modules', 'typescript'));
  const { outputText } = ts.transpileModule(readFileSync(path, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: path,
  });
  const compiled = new Module(path, module);
  compiled.filename = path;
  compiled.paths = Module._nodeModulePaths(dirname(path));
  compiled._compile(outputText, path);
  return compiled.exports;
}

/** OpenBMC's 25 packages with the seed's depends, from the plugin's test catalog: [{ name, depends }]. */
function openbmcPackages() {
  const catalog = requireTypeScript(join(REPO_ROOT, 'packages/nx/testing/openbmc-catalog.ts'));
  return catalog.openbmcPackages().map(({ stageJson }) => ({ name: stageJson.name, depends: stageJson.depends ?? [] }));
}

/** The longest chain of the DAG ([{ name, depends }]), as the list of its names, upstream first. */
function longestChain(dag) {
  const byName = new Map(dag.map((node) => [node.name, node]));
  const memo = new Map();
  const chainTo = (name) => {
    if (!memo.has(name)) {
      const best = byName.get(name).depends.map(chainTo).reduce((a, b) => (b.length > a.length ? b : a), []);
      memo.set(name, [...best, name]);
    }
    return memo.get(name);
  };
  return dag.map((node) => chainTo(node.name)).reduce((a, b) => (b.length > a.length ? b : a), []);
}

/** The named stages plus everything that depends on them, transitively. */
function withDependents(dag, names) {
  const result = new Set(names);
  let grew = true;
  while (grew) {
    grew = false;
    for (const node of dag) {
      if (!result.has(node.name) && node.depends.some((d) => result.has(d))) {
        result.add(node.name);
        grew = true;
      }
    }
  }
  return result;
}

/** A package stage's marker export, so downstream `COPY --from=<stage> /usr/local` has something to copy. */
function markerSteps(name) {
  return ['mkdir -p /usr/local/share/bench', `cp marker.txt /usr/local/share/bench/${name}`];
}

/**
 * A Stagecraft workspace: the busybox base (defaultBase), one custom stage per DAG node whose step is
 * `step` then a marker export, and an aggregate `final` over every node when `aggregate` is set.
 */
function stagecraftDagWorkspace(prefix, dag, { imageName, runId, step, aggregate = false }) {
  const root = makeWorkspace(prefix, {
    plugins: [{ plugin: '@stagecraft/nx', options: { imageName, defaultBase: 'base', defaultRefresh: 'never' } }],
  });
  writeBusyboxBase(root, 'base', runId);
  for (const { name, depends } of dag) {
    writeJson(root, `packages/${name}/stage.json`, { name, depends, build: { type: 'custom', steps: [step, ...markerSteps(name)] } });
    // The run id makes every step new to BuildKit's cache (content-keyed, it outlives image removal), so a cold run is cold.
    writeFile(root, `packages/${name}/marker.txt`, `${name} ${runId}\n`);
  }
  if (aggregate) writeJson(root, 'final/stage.json', { name: 'final', depends: dag.map((n) => n.name), build: { type: 'aggregate' } });
  return root;
}

/** `nx run-many -t docker-stage` with its summary parsed: { seconds, output, statuses: { stage: status } }. */
function runDockerStage(root, extraArgs = []) {
  const run = nx(root, ['run-many', '-t', 'docker-stage', '--output-style=static', ...extraArgs]);
  const output = run.stderr + run.stdout;
  return { seconds: run.seconds, output, statuses: summaryStatuses(output) };
}

/** The per-stage lines of Stagecraft's run summary ("  built  1.23s  stage  tag") as { stage: status }. */
function summaryStatuses(output) {
  const lines = output.split('\n').filter((line) => /^ {2}(built|equivalent|present|remote|pulled|copied|failed|skipped) /.test(line));
  return Object.fromEntries(lines.map((line) => {
    const [status, , stage] = line.trim().split(/\s+/);
    return [stage, status];
  }));
}

/** The summary's headline ("Stagecraft: N stages: ..."), not the registry line before it. */
function summaryHeadline(output) {
  return output.split('\n').find((line) => /^Stagecraft: \d+ stages?:/.test(line)) ?? '(no summary)';
}

function timed(fn) {
  const started = process.hrtime.bigint();
  const value = fn();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, value };
}

Object.assign(module.exports, {
  RUN_LABEL,
  uniqueImageName,
  docker,
  busyboxBaseDockerfile,
  writeBusyboxBase,
  removeRunImages,
  onExit,
  requireTypeScript,
  openbmcPackages,
  longestChain,
  withDependents,
  markerSteps,
  stagecraftDagWorkspace,
  runDockerStage,
  summaryStatuses,
  summaryHeadline,
  timed,
});

// ---- Cold build of the OpenBMC-shaped DAG (shared by cold and multistage) ----
const SLEEP_SECONDS = 2;

/**
 * Builds the OpenBMC-shaped 27-stage DAG (busybox base, 25 packages whose step is `sleep 2` with the
 * seed's depends, aggregate `final`) cold with `nx run-many -t docker-stage --parallel=<parallel>`, and
 * times the nx command. Cold: unique image names, and a base labelled with the run id, so neither tags
 * nor layers of earlier runs match. Removes its workspace and images before returning.
 * Returns { seconds, chain, boundSeconds, headline, stageSeconds: { stage: seconds } }.
 */
function measureStagecraftCold({ parallel = 25 } = {}) {
  const packages = openbmcPackages();
  const chain = longestChain(packages);
  const { root, cleanup } = sleepDagWorkspace('cold', packages);
  try {
    // Load the project graph once, so the timed run measures a build, not the first graph computation.
    nx(root, ['show', 'projects']);
    const run = runDockerStage(root, [`--parallel=${parallel}`]);
    const statuses = Object.values(run.statuses);
    if (statuses.length !== packages.length + 2 || statuses.some((s) => s !== 'built')) {
      throw new Error(`the cold run did not build all ${packages.length + 2} stages:\n${run.output}`);
    }
    return {
      seconds: run.seconds,
      builder: builderOf(run.output),
      chain,
      boundSeconds: chain.length * SLEEP_SECONDS,
      headline: summaryHeadline(run.output),
      stageSeconds: summaryDurations(run.output),
    };
  } finally {
    cleanup();
  }
}

/**
 * The OpenBMC-shaped DAG as a Stagecraft workspace (busybox base, each package's step `sleep 2`, aggregate
 * `final`) with unique image names: { root, imageName, cleanup }; cleanup removes the workspace and every
 * image of the run, once, also on Ctrl-C.
 */
function sleepDagWorkspace(purpose, packages) {
  const imageName = uniqueImageName(purpose);
  const root = stagecraftDagWorkspace(`stagecraft-bench-${purpose}-`, packages, {
    imageName,
    runId: imageName,
    step: `sleep ${SLEEP_SECONDS}`,
    aggregate: true,
  });
  const cleanup = onExit(() => {
    remove(root);
    removeRunImages(imageName, imageName);
  });
  return { root, imageName, cleanup };
}

/** The per-stage durations of Stagecraft's run summary, in seconds: { stage: seconds }. */
function summaryDurations(output) {
  const lines = output.split('\n').filter((line) => /^ {2}(built|equivalent|present|remote|pulled|copied|failed|skipped) /.test(line));
  return Object.fromEntries(lines.map((line) => {
    const [, time, stage] = line.trim().split(/\s+/);
    return [stage, Number(time.replace(/s$/, ''))];
  }));
}

Object.assign(module.exports, { SLEEP_SECONDS, measureStagecraftCold, sleepDagWorkspace, summaryDurations });

/** The DAG's nodes ([{ name, depends }]) with every node after its depends. */
function topologicalOrder(dag) {
  const byName = new Map(dag.map((node) => [node.name, node]));
  const ordered = [];
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const upstream of byName.get(name).depends) visit(upstream);
    ordered.push(byName.get(name));
  };
  for (const node of dag) visit(node.name);
  return ordered;
}

Object.assign(module.exports, { topologicalOrder });

// ---- The same DAG as one multi-stage Dockerfile (multistage, equivalent) ----
const { readdirSync } = require('node:fs');

/**
 * The DAG as ONE multi-stage Dockerfile: a busybox base stage, one `FROM base AS <pkg>` stage per package
 * with `COPY --from=<dep> /usr/local /usr/local` per depend (and, with `sources`, `COPY <pkg>/ /usr/src/<pkg>/`)
 * and `RUN <step> && <marker export>`, and a final stage copying from every package.
 */
function multistageDockerfile(packages, runId, { step = `sleep ${SLEEP_SECONDS}`, sources = false } = {}) {
  const lines = [...busyboxBaseDockerfile(runId).map((line, i) => (i === 0 ? `${line} AS base` : line)), ''];
  for (const { name, depends } of topologicalOrder(packages)) {
    lines.push(`FROM base AS ${name}`);
    for (const upstream of [...depends].sort()) lines.push(`COPY --from=${upstream} /usr/local /usr/local`);
    if (sources) lines.push(`COPY ${name}/ /usr/src/${name}/`);
    lines.push(`RUN ${step} && mkdir -p /usr/local/share/bench && echo ${name} > /usr/local/share/bench/${name}`, '');
  }
  lines.push('FROM base AS final');
  for (const { name } of [...packages].sort((a, b) => (a.name < b.name ? -1 : 1))) lines.push(`COPY --from=${name} /usr/local /usr/local`);
  return `${lines.join('\n')}\n`;
}

/** A directory with the multi-stage Dockerfile, busybox and (with `sources`) one file per package. */
function multistageDir(packages, runId, options = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-bench-multistage-'));
  writeFile(dir, 'Dockerfile', multistageDockerfile(packages, runId, options));
  copyFileSync('/bin/busybox', join(dir, 'busybox'));
  chmodSync(join(dir, 'busybox'), 0o755);
  if (options.sources) for (const { name } of packages) writeFile(dir, `${name}/marker.txt`, `${name}\n`);
  return dir;
}

/** Every file under dir, relative (the build context dockerode sends). */
function filesUnder(dir, prefix = '') {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(dir, join(prefix, entry.name)) : [join(prefix, entry.name)]);
}

/**
 * Builds dir with BuildKit through the Engine API (version 2, no network), as Stagecraft does, and tags
 * the result; with `target`, only that stage of the Dockerfile and what it needs; `buildArgs` as the
 * Engine's buildargs; `network` the network of every RUN (default none). Returns { seconds }.
 */
async function buildKitBuild(dir, tag, { noCache = false, target, buildArgs, network = 'none' } = {}) {
  const Docker = require(join(REPO_ROOT, 'node_modules', 'dockerode'));
  const docker = new Docker();
  const started = process.hrtime.bigint();
  const options = { version: '2', networkmode: network, t: tag, nocache: noCache, ...(target ? { target } : {}), ...(buildArgs ? { buildargs: buildArgs } : {}) };
  const stream = await docker.buildImage({ context: dir, src: filesUnder(dir) }, options);
  const messages = await new Promise((resolve, reject) => docker.modem.followProgress(stream, (err, out) => (err ? reject(err) : resolve(out))));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const failed = messages.find((m) => m.error || m.errorDetail);
  if (failed) throw new Error(`BuildKit multi-stage build${target ? ` (target ${target})` : ''} failed: ${failed.errorDetail?.message ?? failed.error}`);
  return { seconds };
}

Object.assign(module.exports, { multistageDockerfile, multistageDir, buildKitBuild });

/** Which builder a Stagecraft run used, from its output. */
function builderOf(output) {
  return /: exporting to image$/m.test(output) ? 'BuildKit' : 'legacy builder';
}

Object.assign(module.exports, { builderOf });

// ---- Machines: a registry and more engines (registry, equivalent-registry) ----
const { cpSync, rmSync: removeSync } = require('node:fs');

function tool(args, env = {}) {
  const result = spawnSync('bash', args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
}

/** A registry on 127.0.0.1:<port> (tools/registry.sh) with its own storage: { registry, stop }; stopped on exit too. */
function startRegistry(port) {
  const stateDir = mkdtempSync(join(tmpdir(), 'sc-bench-registry-'));
  const env = { STAGECRAFT_REGISTRY_STATE: stateDir };
  const stop = onExit(() => {
    spawnSync('bash', [join(REPO_ROOT, 'tools/registry.sh'), 'stop', String(port)], { env: { ...process.env, ...env } });
    removeSync(stateDir, { recursive: true, force: true });
  });
  tool([join(REPO_ROOT, 'tools/registry.sh'), 'start', String(port), join(stateDir, 'storage')], env);
  return { registry: `127.0.0.1:${port}`, stop };
}

/** Another machine's engine: an empty dockerd (tools/extra-engine.sh): { dockerHost, socket, stop }; stopped on exit too. */
function startEngine() {
  const engineDir = mkdtempSync('/tmp/sce-bench-');
  const stop = onExit(() => {
    spawnSync('bash', [join(REPO_ROOT, 'tools/extra-engine.sh'), 'stop', engineDir]);
    removeSync(engineDir, { recursive: true, force: true });
  });
  tool([join(REPO_ROOT, 'tools/extra-engine.sh'), 'start', engineDir]);
  return { dockerHost: `unix://${engineDir}/docker.sock`, socket: `${engineDir}/docker.sock`, stop };
}

/** The tags of the images on an engine, through its socket. */
function imagesOn(socket) {
  const result = spawnSync('curl', ['-fsS', '--unix-socket', socket, 'http://localhost/images/json'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`listing images on ${socket} failed: ${result.stderr}`);
  return JSON.parse(result.stdout).flatMap((image) => image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>');
}

/** A copy of a workspace at another path (another machine's checkout), node_modules linked: { root, remove }. */
function copyWorkspace(root, prefix) {
  const copy = join(mkdtempSync(join(tmpdir(), prefix)), 'elsewhere');
  cpSync(root, copy, { recursive: true, filter: (path) => !/\/(node_modules|\.nx|dist)$/.test(path) });
  symlinkNodeModules(copy);
  return { root: copy, remove: () => remove(join(copy, '..')) };
}

/** How many stages have each status: { built: 1, equivalent: 7, ... }. */
function countStatuses(statuses) {
  const counts = {};
  for (const status of Object.values(statuses)) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

Object.assign(module.exports, { startRegistry, startEngine, imagesOn, copyWorkspace, countStatuses });
