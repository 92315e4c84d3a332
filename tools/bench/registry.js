// CI across machines (issue 10, P6): engine A builds the OpenBMC-shaped 27-stage DAG cold (busybox base,
// 25 packages whose step is `sleep 2`, aggregate `final`) and pushes every stage to a local registry; then
// engine B (a second dockerd with an empty image store, tools/extra-engine.sh) runs the same
// `nx run-many -t docker-stage` on a copy of the workspace at another path.
// Prints B's wall time over A's (goal <= 0.3, with 0 builds on B), how many images B pulled (goal: none),
// and the registry round trips per stage.
const lib = require('./lib');

const PORT = Number(process.env.REGISTRY_PORT ?? 15090);
const PARALLEL = Number(process.env.PARALLEL ?? 25);
const REGISTRY = `127.0.0.1:${PORT}`;

const packages = lib.openbmcPackages();
const imageName = lib.uniqueImageName('registry');
const rootA = lib.stagecraftDagWorkspace('stagecraft-bench-registry-a-', packages, { imageName, runId: imageName, step: `sleep ${lib.SLEEP_SECONDS}`, aggregate: true });
lib.writeJson(rootA, 'nx.json', {
  plugins: [{ plugin: '@stagecraft/nx', options: { imageName, defaultBase: 'base', defaultRefresh: 'never', registry: REGISTRY } }],
});
const cleanup = lib.onExit(() => {
  lib.remove(rootA);
  lib.removeRunImages(imageName, imageName);
});

let registry;
let engineB;
let checkoutB;
try {
  registry = lib.startRegistry(PORT);
  engineB = lib.startEngine();

  // Machine A: cold build with push. The project graph is computed once first, on both machines.
  lib.nx(rootA, ['show', 'projects']);
  const a = lib.nx(rootA, ['run-many', '-t', 'docker-stage', '--output-style=static', `--parallel=${PARALLEL}`], { STAGECRAFT_PUSH: '1' });
  const aStatuses = lib.summaryStatuses(a.stderr + a.stdout);
  if (Object.keys(aStatuses).length !== packages.length + 2 || Object.values(aStatuses).some((s) => s !== 'built')) {
    throw new Error(`A did not build all ${packages.length + 2} stages:\n${a.stderr}${a.stdout}`);
  }

  // Machine B: the same workspace at another path, an empty engine.
  checkoutB = lib.copyWorkspace(rootA, 'stagecraft-bench-registry-b-');
  const rootB = checkoutB.root;
  lib.nx(rootB, ['show', 'projects'], { DOCKER_HOST: engineB.dockerHost });
  const b = lib.nx(rootB, ['run-many', '-t', 'docker-stage', '--output-style=static', `--parallel=${PARALLEL}`], { DOCKER_HOST: engineB.dockerHost });
  const bOutput = b.stderr + b.stdout;
  const bStatuses = lib.countStatuses(lib.summaryStatuses(bOutput));
  const requests = /Stagecraft: registry \S+: (\d+) requests? for (\d+) stages?/.exec(bOutput);

  console.log(`stages: ${packages.length + 2} (base, ${packages.length} packages with \`sleep ${lib.SLEEP_SECONDS}\`, final aggregate), --parallel=${PARALLEL}, registry ${REGISTRY}`);
  console.log(`A (cold build + push, shared engine): ${a.seconds.toFixed(2)} s  ${lib.summaryHeadline(a.stderr + a.stdout)}`);
  console.log(`B (empty engine, workspace at another path): ${b.seconds.toFixed(2)} s  ${lib.summaryHeadline(bOutput)}`);
  console.log(`B / A: ${(b.seconds / a.seconds).toFixed(3)} (goal <= 0.3)`);
  console.log(`builds on B: ${bStatuses.built ?? 0} (goal 0)`);
  console.log(`images B pulled: ${lib.imagesOn(engineB.socket).length} (goal 0 for a no-op)`);
  if (requests) console.log(`registry round trips on B: ${requests[1]} for ${requests[2]} stages = ${(Number(requests[1]) / Number(requests[2])).toFixed(2)} per stage`);
} finally {
  checkoutB?.remove();
  engineB?.stop();
  registry?.stop();
  cleanup();
}
