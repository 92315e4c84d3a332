// CI across machines (issue 10, P6): engine A builds the OpenBMC-shaped 27-stage DAG cold (busybox base,
// 25 packages whose step is `sleep 2`, aggregate `final`) and pushes every stage to a local registry; then
// engine B (a second dockerd with an empty image store, tools/extra-engine.sh) runs the same
// `nx run-many -t docker-stage` on a copy of the workspace at another path.
// Prints B's wall time over A's (goal <= 0.3, with 0 builds on B), how many images B pulled (goal: none),
// and the registry round trips per stage.
const { spawnSync } = require('node:child_process');
const { cpSync, mkdtempSync, rmSync, symlinkSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const lib = require('./lib');

const PORT = Number(process.env.REGISTRY_PORT ?? 15090);
const PARALLEL = Number(process.env.PARALLEL ?? 25);
const REGISTRY = `127.0.0.1:${PORT}`;

function tool(args, env = {}) {
  const result = spawnSync('bash', args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
}

function imagesOn(socket) {
  const result = spawnSync('curl', ['-fsS', '--unix-socket', socket, 'http://localhost/images/json'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`listing images on ${socket} failed: ${result.stderr}`);
  return JSON.parse(result.stdout).flatMap((image) => image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>');
}

/** The summary's headline ("Stagecraft: 27 stages: 27 remote"), not the registry line before it. */
function headline(output) {
  return output.split('\n').find((line) => /^Stagecraft: \d+ stages?:/.test(line)) ?? '(no summary)';
}

function countStatuses(statuses) {
  const counts = {};
  for (const status of Object.values(statuses)) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

const packages = lib.openbmcPackages();
const imageName = lib.uniqueImageName('registry');
const stateDir = mkdtempSync(join(tmpdir(), 'sc-bench-registry-'));
const engineDir = mkdtempSync('/tmp/sce-bench-');
const rootA = lib.stagecraftDagWorkspace('stagecraft-bench-registry-a-', packages, { imageName, runId: imageName, step: `sleep ${lib.SLEEP_SECONDS}`, aggregate: true });
lib.writeJson(rootA, 'nx.json', {
  plugins: [{ plugin: '@stagecraft/nx', options: { imageName, defaultBase: 'base', defaultRefresh: 'never', registry: REGISTRY } }],
});
const rootB = join(mkdtempSync(join(tmpdir(), 'stagecraft-bench-registry-b-')), 'elsewhere');

const cleanup = lib.onExit(() => {
  lib.remove(rootA);
  lib.remove(join(rootB, '..'));
  lib.removeRunImages(imageName, imageName);
  spawnSync('bash', [join(lib.REPO_ROOT, 'tools/extra-engine.sh'), 'stop', engineDir]);
  rmSync(engineDir, { recursive: true, force: true });
  spawnSync('bash', [join(lib.REPO_ROOT, 'tools/registry.sh'), 'stop', String(PORT)], { env: { ...process.env, STAGECRAFT_REGISTRY_STATE: stateDir } });
  rmSync(stateDir, { recursive: true, force: true });
});

try {
  tool([join(lib.REPO_ROOT, 'tools/registry.sh'), 'start', String(PORT), join(stateDir, 'storage')], { STAGECRAFT_REGISTRY_STATE: stateDir });
  tool([join(lib.REPO_ROOT, 'tools/extra-engine.sh'), 'start', engineDir]);
  const engineB = `unix://${engineDir}/docker.sock`;

  // Machine A: cold build with push. The project graph is computed once first, on both machines.
  lib.nx(rootA, ['show', 'projects']);
  const a = lib.nx(rootA, ['run-many', '-t', 'docker-stage', '--output-style=static', `--parallel=${PARALLEL}`], { STAGECRAFT_PUSH: '1' });
  const aStatuses = lib.summaryStatuses(a.stderr + a.stdout);
  if (Object.keys(aStatuses).length !== packages.length + 2 || Object.values(aStatuses).some((s) => s !== 'built')) {
    throw new Error(`A did not build all ${packages.length + 2} stages:\n${a.stderr}${a.stdout}`);
  }

  // Machine B: the same workspace at another path, an empty engine.
  cpSync(rootA, rootB, { recursive: true, filter: (path) => !/\/(node_modules|\.nx|dist)$/.test(path) });
  symlinkSync(join(lib.REPO_ROOT, 'node_modules'), join(rootB, 'node_modules'), 'dir');
  lib.nx(rootB, ['show', 'projects'], { DOCKER_HOST: engineB });
  const b = lib.nx(rootB, ['run-many', '-t', 'docker-stage', '--output-style=static', `--parallel=${PARALLEL}`], { DOCKER_HOST: engineB });
  const bOutput = b.stderr + b.stdout;
  const bStatuses = countStatuses(lib.summaryStatuses(bOutput));
  const requests = /Stagecraft: registry \S+: (\d+) requests? for (\d+) stages?/.exec(bOutput);

  console.log(`stages: ${packages.length + 2} (base, ${packages.length} packages with \`sleep ${lib.SLEEP_SECONDS}\`, final aggregate), --parallel=${PARALLEL}, registry ${REGISTRY}`);
  console.log(`A (cold build + push, shared engine): ${a.seconds.toFixed(2)} s  ${headline(a.stderr + a.stdout)}`);
  console.log(`B (empty engine, workspace at another path): ${b.seconds.toFixed(2)} s  ${headline(bOutput)}`);
  console.log(`B / A: ${(b.seconds / a.seconds).toFixed(3)} (goal <= 0.3)`);
  console.log(`builds on B: ${bStatuses.built ?? 0} (goal 0)`);
  console.log(`images B pulled: ${imagesOn(`${engineDir}/docker.sock`).length} (goal 0 for a no-op)`);
  if (requests) console.log(`registry round trips on B: ${requests[1]} for ${requests[2]} stages = ${(Number(requests[1]) / Number(requests[2])).toFixed(2)} per stage`);
} finally {
  cleanup();
}
