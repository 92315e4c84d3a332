// The OpenBMC-shaped DAG as ONE multi-stage Dockerfile (a busybox base stage, one `FROM base AS <pkg>`
// stage per package with `COPY --from=<dep> /usr/local /usr/local` per depend and `RUN sleep 2`, and a
// final stage copying from every package), built cold with `docker build --no-cache --network=none`,
// against Stagecraft's cold build of the same DAG measured in the same run (see ./cold.js).
// Goal (issue 3): multistage / stagecraft at least 3.
// The engine here is Docker 20.10; its legacy builder builds the stages one after another. BuildKit is
// tried too (DOCKER_BUILDKIT=1) and reported as unavailable when the CLI cannot use it.
const { copyFileSync, chmodSync, mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const lib = require('./lib');

const PARALLEL = Number(process.env.PARALLEL ?? 25);

function multistageDockerfile(packages, runId) {
  const lines = [...lib.busyboxBaseDockerfile(runId).map((line, i) => (i === 0 ? `${line} AS base` : line)), ''];
  for (const { name, depends } of lib.topologicalOrder(packages)) {
    lines.push(`FROM base AS ${name}`);
    for (const upstream of [...depends].sort()) lines.push(`COPY --from=${upstream} /usr/local /usr/local`);
    lines.push(`RUN sleep ${lib.SLEEP_SECONDS} && mkdir -p /usr/local/share/bench && echo ${name} > /usr/local/share/bench/${name}`, '');
  }
  lines.push('FROM base AS final');
  for (const { name } of [...packages].sort((a, b) => (a.name < b.name ? -1 : 1))) lines.push(`COPY --from=${name} /usr/local /usr/local`);
  return `${lines.join('\n')}\n`;
}

/** Times one cold build of the Dockerfile with the given builder; { seconds } or { error }. */
function timeMultistageBuild(packages, buildkit) {
  const imageName = lib.uniqueImageName(buildkit ? 'ms-bk' : 'ms');
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-bench-multistage-'));
  const cleanup = lib.onExit(() => {
    lib.remove(dir);
    lib.removeRunImages(imageName, imageName);
  });
  try {
    lib.writeFile(dir, 'Dockerfile', multistageDockerfile(packages, imageName));
    copyFileSync('/bin/busybox', join(dir, 'busybox'));
    chmodSync(join(dir, 'busybox'), 0o755);
    const env = { ...process.env, DOCKER_BUILDKIT: buildkit ? '1' : '0' };
    const args = ['build', '--no-cache', '--force-rm', '--network=none', '-t', `${imageName}:latest`, dir];
    const { seconds, value: run } = lib.timed(() => lib.docker(args, { env }));
    if (run.status !== 0) return { error: (run.stderr.trim().split('\n').find((l) => /error/i.test(l)) ?? run.stderr.trim()).trim() };
    return { seconds };
  } finally {
    cleanup();
  }
}

const packages = lib.openbmcPackages();
const stagecraft = lib.measureStagecraftCold({ parallel: PARALLEL });
const legacy = timeMultistageBuild(packages, false);
if (legacy.error) throw new Error(`the legacy multi-stage build failed: ${legacy.error}`);
const buildkit = timeMultistageBuild(packages, true);

console.log(`DAG: busybox base, 25 packages (RUN sleep ${lib.SLEEP_SECONDS}, seed's depends), final copying from all; all cold`);
console.log(`stagecraft cold nx run-many -t docker-stage --parallel=${PARALLEL}: ${stagecraft.seconds.toFixed(2)} s (${stagecraft.headline})`);
console.log(`multi-stage docker build, legacy builder: ${legacy.seconds.toFixed(2)} s`);
console.log(`ratio multistage/stagecraft (legacy builder): ${(legacy.seconds / stagecraft.seconds).toFixed(2)} (goal >= 3)`);
if (buildkit.error) {
  console.log(`multi-stage docker build, BuildKit: not available here (${buildkit.error})`);
} else {
  console.log(`multi-stage docker build, BuildKit: ${buildkit.seconds.toFixed(2)} s`);
  console.log(`ratio multistage/stagecraft (BuildKit): ${(buildkit.seconds / stagecraft.seconds).toFixed(2)}`);
}
