// The OpenBMC-shaped DAG as ONE multi-stage Dockerfile (a busybox base stage, one `FROM base AS <pkg>`
// stage per package with `COPY --from=<dep> /usr/local /usr/local` per depend and `RUN sleep 2`, and a
// final stage copying from every package), built cold, against Stagecraft's cold build of the same DAG
// with its default builder (see ./cold.js), all measured in the same run.
// P2b (issue 11): Stagecraft cold / BuildKit multi-stage: goal <= 1.0, required <= 1.2. BuildKit is reached
// through the Engine API (version 2), as Stagecraft does, so no buildx is needed. The legacy builder's
// multi-stage build (`docker build`, which builds the stages one after another) is the second line.
const lib = require('./lib');

const PARALLEL = Number(process.env.PARALLEL ?? 25);

/** Times one cold multi-stage build; { seconds }. */
async function timeMultistage(packages, builder) {
  const imageName = lib.uniqueImageName(builder === 'buildkit' ? 'ms-bk' : 'ms');
  const dir = lib.multistageDir(packages, imageName);
  const cleanup = lib.onExit(() => {
    lib.remove(dir);
    lib.removeRunImages(imageName, imageName);
  });
  try {
    if (builder === 'buildkit') return await lib.buildKitBuild(dir, `${imageName}:latest`, { noCache: true });
    const args = ['build', '--no-cache', '--force-rm', '--network=none', '-t', `${imageName}:latest`, dir];
    const { seconds, value: run } = lib.timed(() => lib.docker(args, { env: { ...process.env, DOCKER_BUILDKIT: '0' } }));
    if (run.status !== 0) throw new Error(`the legacy multi-stage build failed: ${run.stderr.trim()}`);
    return { seconds };
  } finally {
    cleanup();
  }
}

async function main() {
  const packages = lib.openbmcPackages();
  const stagecraft = lib.measureStagecraftCold({ parallel: PARALLEL });
  const buildkit = await timeMultistage(packages, 'buildkit');
  const legacy = await timeMultistage(packages, 'legacy');

  console.log(lib.nxPluginLoading());
  console.log(`DAG: busybox base, 25 packages (RUN sleep ${lib.SLEEP_SECONDS}, seed's depends), final copying from all; all cold`);
  console.log(`stagecraft cold nx run-many -t docker-stage --parallel=${PARALLEL} (default builder: ${stagecraft.builder}): ${stagecraft.seconds.toFixed(2)} s (${stagecraft.headline})`);
  console.log(`multi-stage build, BuildKit (Engine API, version 2): ${buildkit.seconds.toFixed(2)} s`);
  console.log(`P2b stagecraft / BuildKit multi-stage: ${(stagecraft.seconds / buildkit.seconds).toFixed(2)} (goal <= 1.0, required <= 1.2)`);
  console.log(`multi-stage build, legacy builder: ${legacy.seconds.toFixed(2)} s (legacy multi-stage / stagecraft: ${(legacy.seconds / stagecraft.seconds).toFixed(2)})`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
