// A no-op `nx run-many -t docker-stage` (every image present) over 100 stages on a busybox base vs Nx's
// floor: the same graph as project.json projects whose `noop` target (`true`, cached) is fully cached.
// The twin has the same names and edges, including `base` under every stage (the defaultBase edge).
// Median of RUNS interleaved runs each. Goal (issue 3): ratio at most 1.3.
// OTHER_IMAGES=N first adds N unrelated images to the Engine's store (as on a developer's machine), to show
// whether a no-op run's time grows with the store.
const { spawnSync } = require('node:child_process');
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const lib = require('./lib');

const STAGES = Number(process.env.STAGES ?? 100);
const RUNS = Number(process.env.RUNS ?? 5);
const OTHER_IMAGES = Number(process.env.OTHER_IMAGES ?? 0);

/** Imports `count` distinct one-file images, labelled with the run id so cleanup removes them; 4 at a time. */
function addOtherImages(count, runId) {
  if (count === 0) return;
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-bench-noop-other-'));
  lib.writeFile(dir, 'empty', '');
  const tar = join(dir, 'image.tar');
  spawnSync('tar', ['-cf', tar, '-C', dir, 'empty']);
  const script = `docker import --change "LABEL ${lib.RUN_LABEL}=${runId} n=$0" ${tar} ${runId}-other:$0 >/dev/null`;
  const seq = Array.from({ length: count }, (_, i) => String(i)).join('\n');
  const result = spawnSync('xargs', ['-P', '4', '-I{}', 'sh', '-c', script, '{}'], { input: seq, encoding: 'utf8' });
  lib.remove(dir);
  if (result.status !== 0) throw new Error(`adding ${count} images failed: ${result.stderr}`);
}

/** A random DAG (fixed seed): each stage depends on up to 3 earlier ones. */
function dag() {
  const random = lib.seededRandom(7);
  const name = (i) => `stage-${String(i).padStart(3, '0')}`;
  return Array.from({ length: STAGES }, (_, i) => {
    const depends = new Set();
    for (let d = 0; d < 3 && i > 0; d++) depends.add(name(Math.floor(random() * i)));
    return { name: name(i), depends: [...depends].sort() };
  });
}

function nxFloorWorkspace(stages) {
  const root = lib.makeWorkspace('stagecraft-bench-noop-plain-', {});
  const noop = (implicitDependencies) => ({ implicitDependencies, targets: { noop: { command: 'true', cache: true, dependsOn: ['^noop'] } } });
  lib.writeJson(root, 'base/project.json', { name: 'base', ...noop([]) });
  for (const { name, depends } of stages) {
    lib.writeJson(root, `packages/${name}/project.json`, { name, ...noop(['base', ...depends]) });
    lib.writeFile(root, `packages/${name}/marker.txt`, `${name}\n`);
  }
  return root;
}

const stages = dag();
const imageName = lib.uniqueImageName('noop');
const stagecraft = lib.stagecraftDagWorkspace('stagecraft-bench-noop-', stages, { imageName, runId: imageName, step: 'true' });
const plain = nxFloorWorkspace(stages);
const cleanup = lib.onExit(() => {
  lib.remove(stagecraft);
  lib.remove(plain);
  lib.removeRunImages(imageName, imageName);
});

try {
  const build = lib.runDockerStage(stagecraft, ['--parallel=8']);
  console.log(`initial build (${build.seconds.toFixed(1)} s): ${lib.summaryHeadline(build.output)}`);
  if (Object.keys(build.statuses).length !== STAGES + 1) throw new Error(`expected ${STAGES + 1} stages:\n${build.output}`);
  addOtherImages(OTHER_IMAGES, imageName);
  const storeSize = lib.docker(['images', '-q']).stdout.split('\n').filter(Boolean).length;
  const filled = lib.nx(plain, ['run-many', '-t', 'noop', '--output-style=static']);
  console.log(`nx floor cache filled (${filled.seconds.toFixed(1)} s)`);

  const times = { stagecraft: [], plain: [] };
  for (let run = 0; run < RUNS; run++) {
    const floor = lib.nx(plain, ['run-many', '-t', 'noop', '--output-style=static']);
    if (!new RegExp(`Nx read the output from the cache instead of running the command for ${STAGES + 1} out of ${STAGES + 1} tasks`).test(floor.stdout + floor.stderr)) {
      throw new Error(`the floor run was not fully cached:\n${floor.stdout}`);
    }
    times.plain.push(floor.seconds);
    const noop = lib.runDockerStage(stagecraft);
    const statuses = Object.values(noop.statuses);
    if (statuses.length !== STAGES + 1 || statuses.some((s) => s !== 'present')) throw new Error(`the no-op run was not all present:\n${noop.output}`);
    times.stagecraft.push(noop.seconds);
  }
  const s = lib.median(times.stagecraft);
  const p = lib.median(times.plain);
  console.log(`stages: ${STAGES} + base, runs: ${RUNS} interleaved (medians); images in the Engine's store: ${storeSize}`);
  console.log(`stagecraft no-op nx run-many -t docker-stage (all present): ${s.toFixed(3)} s  [${times.stagecraft.map((t) => t.toFixed(2)).join(' ')}]`);
  console.log(`project.json nx run-many -t noop (all cached): ${p.toFixed(3)} s  [${times.plain.map((t) => t.toFixed(2)).join(' ')}]`);
  console.log(`ratio: ${(s / p).toFixed(2)} (goal <= 1.3)`);
} finally {
  cleanup();
}
