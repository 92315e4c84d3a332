// Cold build of the OpenBMC-shaped 27-stage DAG (busybox base, 25 packages whose step is `sleep 2`, with
// the seed's depends, aggregate `final`) with --parallel=25, against the critical-path bound: the longest
// chain of packages times 2 s. The base and the aggregate have no sleep and count 0 in the bound, so the
// ratio includes Nx's start, the graph, the base and aggregate builds and every build's overhead.
// Goal (issue 3): at most 1.15.
const { measureStagecraftCold, nxPluginLoading, SLEEP_SECONDS } = require('./lib');

const PARALLEL = Number(process.env.PARALLEL ?? 25);

const cold = measureStagecraftCold({ parallel: PARALLEL });
console.log(nxPluginLoading());
console.log(`stages: 27 (base, 25 packages with \`sleep ${SLEEP_SECONDS}\`, final aggregate), --parallel=${PARALLEL}`);
console.log(`summary: ${cold.headline}`);
console.log(`critical path: ${cold.chain.length} packages (${cold.chain.join(' -> ')}) x ${SLEEP_SECONDS} s; base and final add no sleep`);
console.log(`bound: ${cold.boundSeconds.toFixed(1)} s`);
console.log(`stagecraft cold nx run-many -t docker-stage: ${cold.seconds.toFixed(2)} s`);
console.log(`ratio: ${(cold.seconds / cold.boundSeconds).toFixed(2)} (goal <= 1.15)`);
const path = ['base', ...cold.chain, 'final'];
console.log(`stage times on the critical path: ${path.map((s) => `${s} ${cold.stageSeconds[s]?.toFixed(2)} s`).join(', ')}`);
console.log(`sum of those: ${path.reduce((sum, s) => sum + (cold.stageSeconds[s] ?? 0), 0).toFixed(2)} s`);
