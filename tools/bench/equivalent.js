// A change to one leaf that leaves its output identical: a file is added to fmtlib-fmt's directory (its
// source, copied to /usr/src, not exported), so fmtlib-fmt's key and its dependents' keys change, but
// what fmtlib-fmt exports (/usr/local) does not. The OpenBMC-shaped DAG (base, 25 packages whose step is
// `sleep 2`, aggregate final) is first built cold, then the change is made and the timed run follows:
// Stagecraft's `nx run-many -t docker-stage` against BuildKit's multi-stage build of the same DAG (one
// `COPY <pkg>/ /usr/src/<pkg>/` per package) after the same change. Only the leaf is built again: with
// equivalence (issue 22) each dependent takes its earlier image (status `equivalent`); BuildKit's COPY
// cache is keyed by content, so its dependents' steps are CACHED.
// Issue 22: Stagecraft / BuildKit multi-stage at most 2.2 (required), 1.5 (goal); no dependent's RUN re-runs.
// STAGECRAFT_EQUIVALENCE=0 measures the same change with equivalence off.
const { join } = require('node:path');
const lib = require('./lib');

const CHANGED = process.env.CHANGED ?? 'fmtlib-fmt';
const NOTE = 'NOTES.txt';

async function multistage(packages) {
  const imageName = lib.uniqueImageName('eq-ms');
  const dir = lib.multistageDir(packages, imageName, { sources: true });
  const cleanup = lib.onExit(() => {
    lib.remove(dir);
    lib.removeRunImages(imageName, imageName);
  });
  try {
    const cold = await lib.buildKitBuild(dir, `${imageName}:1`);
    lib.writeFile(dir, join(CHANGED, NOTE), 'a note that changes nothing the package exports\n');
    const changed = await lib.buildKitBuild(dir, `${imageName}:2`);
    return { cold: cold.seconds, changed: changed.seconds };
  } finally {
    cleanup();
  }
}

function stagecraft(packages, dag) {
  const { root, cleanup } = lib.sleepDagWorkspace('eq', packages);
  try {
    const cold = lib.runDockerStage(root, ['--parallel=25']);
    if (Object.values(cold.statuses).some((s) => s !== 'built')) throw new Error(`the cold run did not build everything:\n${cold.output}`);
    lib.writeFile(root, join('packages', CHANGED, NOTE), 'a note that changes nothing the package exports\n');
    const changed = lib.runDockerStage(root, ['--parallel=25']);
    const affected = [...lib.withDependents(dag, [CHANGED])].sort();
    const withStatus = (status) => Object.keys(changed.statuses).filter((stage) => changed.statuses[stage] === status).sort();
    const rebuilt = withStatus('built');
    const equivalent = withStatus('equivalent');
    // A RUN step that ran prints its name without the CACHED mark ("<stage>: [3/4] RUN ..." or "Step 4/5 : RUN").
    const ranRun = (stage) => new RegExp(`^${stage}: (\\[[^\\]]*\\] RUN|Step \\d+/\\d+ : RUN) `, 'm').test(changed.output);
    const dependents = affected.filter((stage) => stage !== CHANGED);
    return {
      builder: lib.builderOf(changed.output),
      cold: cold.seconds,
      changed: changed.seconds,
      headline: lib.summaryHeadline(changed.output),
      rebuilt,
      equivalent,
      // Every affected stage is built or equivalent; nothing else is.
      affectedMatch: [...rebuilt, ...equivalent].sort().join(' ') === affected.join(' '),
      leafRan: ranRun(CHANGED),
      dependents,
      dependentsRan: dependents.filter(ranRun),
    };
  } finally {
    cleanup();
  }
}

async function main() {
  const packages = lib.openbmcPackages();
  const dag = [...packages, { name: 'final', depends: packages.map((p) => p.name) }];
  const ours = stagecraft(packages, dag);
  const theirs = await multistage(packages);
  console.log(lib.nxPluginLoading());
  console.log(`DAG: busybox base, 25 packages (RUN sleep ${lib.SLEEP_SECONDS}), final; change: ${CHANGED}/${NOTE} added (copied to /usr/src, not exported)`);
  console.log(`stagecraft (builder: ${ours.builder}): cold ${ours.cold.toFixed(2)} s, after the change ${ours.changed.toFixed(2)} s (${ours.headline})`);
  const dependentsBuilt = ours.dependents.filter((stage) => ours.rebuilt.includes(stage));
  const dependentsEquivalent = ours.dependents.filter((stage) => ours.equivalent.includes(stage));
  console.log(`  built (${ours.rebuilt.length}): ${ours.rebuilt.join(' ')}${ours.affectedMatch ? '' : ' (built + equivalent are NOT the changed stage plus its dependents)'}`);
  console.log(`  ${CHANGED}'s dependents: ${dependentsBuilt.length} built, ${dependentsEquivalent.length} equivalent of ${ours.dependents.length}`);
  console.log(`  ${CHANGED}'s RUN ran again: ${ours.leafRan ? 'yes' : 'no'}; dependents whose RUN ran again: ${ours.dependentsRan.length} of ${ours.dependents.length}${ours.dependentsRan.length ? ` (${ours.dependentsRan.join(' ')})` : ''}`);
  console.log(`BuildKit multi-stage: cold ${theirs.cold.toFixed(2)} s, after the change ${theirs.changed.toFixed(2)} s`);
  console.log(`output-identical change, stagecraft / BuildKit multi-stage: ${(ours.changed / theirs.changed).toFixed(2)} (goal <= 1.5, required <= 2.2)`);
  process.exitCode = ours.affectedMatch && ours.dependentsRan.length === 0 ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
