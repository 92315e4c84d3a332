// The floor under P2b (issue 11: Stagecraft cold `nx run-many -t docker-stage` / one BuildKit multi-stage
// build of the same DAG; required <= 1.2) for any scheme that tags one image per stage, measured on this
// machine with no Stagecraft build code involved. Everything below is measured in the same run:
// 1. Nx's share: in a Stagecraft workspace of the OpenBMC-shaped 27-stage DAG whose stages are all built
//    already, the median of RUNS `nx show projects` (Nx start and project graph, with the plugin workers Nx
//    starts) and of RUNS no-op `nx run-many -t docker-stage` (every stage present). The cold run that built
//    the stages is printed too, for reference.
// 2. The Engine's share, with the DAG as one multi-stage Dockerfile (lib.multistageDockerfile), each build
//    cold through its own fresh run id (BuildKit's cache is keyed by content, and the id is in the base):
//    a. one BuildKit build of the whole Dockerfile (target final), as tools/bench/multistage does;
//    b. the same Dockerfile and context as 27 build calls submitted at once, one per stage, each tagged:
//       what one image per stage costs the Engine even when BuildKit shares the work between the calls;
//    c. dockerd's CPU seconds during (a) and (b) (from /proc; it includes whatever else the Engine did).
//    Both are cold through the run id, not `nocache` (which would stop BuildKit sharing work between calls).
// 3. The best P2b one image per stage allows here: (no-op run-many + 2b) / 2a, and the time 1.2 × 2a leaves
//    for the builds once Nx has taken its share.
// Every image made is removed at the end, also on failure or Ctrl-C. Only the local Engine socket is used.
const { execFileSync } = require('node:child_process');
const { readFileSync, readdirSync } = require('node:fs');
const lib = require('./lib');

const RUNS = Number(process.env.RUNS ?? 3);
const PARALLEL = 25;
const REQUIRED_P2B = 1.2;

/** Throws unless the run's summary lists `count` stages, all with `status`. */
function expectStatuses(run, status, count) {
  const statuses = Object.values(run.statuses);
  if (statuses.length !== count || statuses.some((s) => s !== status)) {
    throw new Error(`expected ${count} stages ${status}:\n${run.output}`);
  }
}

/** Part 1: builds the DAG cold once, then times RUNS `nx show projects` and RUNS no-op run-many. */
function measureNxShare(packages) {
  const { root, cleanup } = lib.sleepDagWorkspace('floor-nx', packages);
  const stageCount = packages.length + 2;
  try {
    lib.nx(root, ['show', 'projects']);
    const cold = lib.runDockerStage(root, [`--parallel=${PARALLEL}`]);
    expectStatuses(cold, 'built', stageCount);
    const showProjects = [];
    const noop = [];
    for (let run = 0; run < RUNS; run++) {
      showProjects.push(lib.nx(root, ['show', 'projects']).seconds);
      const present = lib.runDockerStage(root, [`--parallel=${PARALLEL}`]);
      expectStatuses(present, 'present', stageCount);
      noop.push(present.seconds);
    }
    return { coldSeconds: cold.seconds, builder: lib.builderOf(cold.output), showProjects, noop };
  } finally {
    cleanup();
  }
}

/** The pid of the dockerd answering at the default socket, or undefined when that is not clear. */
function dockerdPid() {
  if (process.env.DOCKER_HOST && process.env.DOCKER_HOST !== 'unix:///var/run/docker.sock') return undefined;
  const candidates = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'dockerd') return false;
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const namesAHost = args.some((arg) => arg === '-H' || arg.startsWith('--host') || /^-H./.test(arg));
      return !namesAHost || args.some((arg) => arg.endsWith('unix:///var/run/docker.sock'));
    } catch {
      return false; // the process ended, or is not ours to read
    }
  });
  return candidates.length === 1 ? Number(candidates[0]) : undefined;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** CPU seconds the process and its reaped children used: utime + stime + cutime + cstime. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  return fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) / CLOCK_TICKS;
}

/**
 * Builds the given targets of the DAG's multi-stage Dockerfile, all submitted at once, cold (a fresh run
 * id), each tagged <run>:<target>. Returns { seconds, dockerdCpuSeconds } (the latter without a dockerd pid: undefined).
 */
async function timeColdBuilds(packages, purpose, targets, pid) {
  const imageName = lib.uniqueImageName(purpose);
  const dir = lib.multistageDir(packages, imageName);
  const cleanup = lib.onExit(() => {
    lib.remove(dir);
    lib.removeRunImages(imageName, imageName);
  });
  try {
    const cpuBefore = pid && cpuSeconds(pid);
    const { seconds, value: builds } = await timedAsync(() => Promise.allSettled(
      targets.map((target) => lib.buildKitBuild(dir, `${imageName}:${target}`, { target })),
    ));
    const cpuAfter = pid && cpuSeconds(pid);
    const failed = builds.find((build) => build.status === 'rejected');
    if (failed) throw failed.reason;
    return { seconds, dockerdCpuSeconds: pid ? cpuAfter - cpuBefore : undefined };
  } finally {
    cleanup();
  }
}

async function timedAsync(fn) {
  const started = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, value };
}

function list(values) {
  return `[${values.map((v) => v.toFixed(2)).join(' ')}]`;
}

/** dockerd's CPU seconds for a build, and for the per-stage builds what they cost beyond the one build. */
function cpuNote(build, calls, whole) {
  if (build.dockerdCpuSeconds === undefined) return '';
  if (calls === 1) return `; dockerd CPU ${build.dockerdCpuSeconds.toFixed(2)} s`;
  const extra = build.dockerdCpuSeconds - whole.dockerdCpuSeconds;
  return `; dockerd CPU ${build.dockerdCpuSeconds.toFixed(2)} s (${extra.toFixed(2)} s more than (a): ${(extra / (calls - 1)).toFixed(2)} s per extra build call)`;
}

async function main() {
  const packages = lib.openbmcPackages();
  const stages = ['base', ...lib.topologicalOrder(packages).map((p) => p.name), 'final'];
  const pid = dockerdPid();

  const nxShare = measureNxShare(packages);
  const whole = await timeColdBuilds(packages, 'floor-ms', ['final'], pid);
  const perStage = await timeColdBuilds(packages, 'floor-per-stage', stages, pid);

  const showProjects = lib.median(nxShare.showProjects);
  const noop = lib.median(nxShare.noop);
  const bestP2b = (noop + perStage.seconds) / whole.seconds;
  const budget = REQUIRED_P2B * whole.seconds - noop;

  console.log(lib.nxPluginLoading());
  console.log(`DAG: busybox base, ${packages.length} packages (RUN sleep ${lib.SLEEP_SECONDS}, seed's depends), final copying from all: ${stages.length} stages`);
  console.log('1. Nx\'s share (every stage already built, so nothing builds):');
  console.log(`   nx show projects: ${showProjects.toFixed(2)} s (median of ${RUNS} ${list(nxShare.showProjects)})`);
  console.log(`   no-op nx run-many -t docker-stage --parallel=${PARALLEL} (all present): ${noop.toFixed(2)} s (median of ${RUNS} ${list(nxShare.noop)})`);
  console.log(`   for reference, the cold run-many that built them (${nxShare.builder}): ${nxShare.coldSeconds.toFixed(2)} s, / 2a = ${(nxShare.coldSeconds / whole.seconds).toFixed(2)}`);
  console.log('2. The Engine\'s share (one multi-stage Dockerfile, BuildKit through the Engine API, each build cold):');
  console.log(`   a. one build, target final: ${whole.seconds.toFixed(2)} s${cpuNote(whole, 1, whole)}`);
  console.log(`   b. ${stages.length} build calls at once, one per stage, each tagged: ${perStage.seconds.toFixed(2)} s = ${(perStage.seconds / whole.seconds).toFixed(2)} × (a)${cpuNote(perStage, stages.length, whole)}`);
  if (pid === undefined) console.log('   (dockerd CPU not shown: no single dockerd found for the default socket)');
  console.log(`3. best P2b with one image per stage on this machine: ${bestP2b.toFixed(2)} (required ≤ ${REQUIRED_P2B})`);
  console.log(`   budget for the builds at P2b = ${REQUIRED_P2B}: ${REQUIRED_P2B} × ${whole.seconds.toFixed(2)} s − ${noop.toFixed(2)} s = ${budget.toFixed(2)} s; ${stages.length} build calls took ${perStage.seconds.toFixed(2)} s`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
