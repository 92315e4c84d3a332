// Builds the OpenBMC-shaped DAG (base, 25 packages with the seed's depends, aggregate `final`; steps are
// trivial), changes one source file of fmtlib-fmt (an upstream of openbmc-stdplus and through it of
// gpioplus, sdeventplus, phosphor-logging, phosphor-objmgr and pldm), runs again and compares the stages
// the second run built with that package plus its transitive dependents. Goal (issue 3): match.
const { join } = require('node:path');
const { appendFileSync } = require('node:fs');
const lib = require('./lib');

const CHANGED = process.env.CHANGED ?? 'fmtlib-fmt';

const packages = lib.openbmcPackages();
const dag = [...packages, { name: 'final', depends: packages.map((p) => p.name) }];
const imageName = lib.uniqueImageName('affected');
const runId = imageName;
const root = lib.stagecraftDagWorkspace('stagecraft-bench-affected-', packages, { imageName, runId, step: 'true', aggregate: true });
const cleanup = lib.onExit(() => {
  lib.remove(root);
  lib.removeRunImages(imageName, runId);
});

try {
  const first = lib.runDockerStage(root, ['--parallel=25']);
  console.log(`first run (${first.seconds.toFixed(1)} s): ${lib.summaryHeadline(first.output)}`);
  if (Object.values(first.statuses).some((s) => s !== 'built')) throw new Error(`first run did not build everything:\n${first.output}`);

  appendFileSync(join(root, 'packages', CHANGED, 'marker.txt'), 'changed\n');
  const second = lib.runDockerStage(root, ['--parallel=25']);
  console.log(`second run (${second.seconds.toFixed(1)} s), after changing packages/${CHANGED}/marker.txt: ${lib.summaryHeadline(second.output)}`);

  const rebuilt = Object.keys(second.statuses).filter((stage) => second.statuses[stage] === 'built').sort();
  const expected = [...lib.withDependents(dag, [CHANGED])].sort();
  const others = Object.entries(second.statuses).filter(([, s]) => s !== 'built' && s !== 'present');
  console.log(`rebuilt  (${rebuilt.length}): ${rebuilt.join(' ')}`);
  console.log(`expected (${expected.length}): ${expected.join(' ')}`);
  if (others.length) console.log(`not built or present: ${others.map(([stage, s]) => `${stage}=${s}`).join(' ')}`);
  const match = others.length === 0 && rebuilt.length === expected.length && rebuilt.every((s, i) => s === expected[i]);
  console.log(`match: ${match ? 'yes' : 'no'}`);
  process.exitCode = match ? 0 : 1;
} finally {
  cleanup();
}
