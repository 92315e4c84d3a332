// Equivalence across machines (issue 22): engine A builds the OpenBMC-shaped 27-stage DAG cold (busybox base,
// 25 packages whose step is `sleep 2`, aggregate `final`) and pushes every stage and its equivalence records to a
// local registry. Then two CI machines, each an empty engine (tools/extra-engine.sh) with a checkout at another
// path, run `nx run-many -t docker-stage` (no push, as a merge request's job) after a change to the leaf fmtlib-fmt:
// - B: an output-identical change (a note beside its sources, copied to /usr/src, not exported): B builds fmt
//   alone and takes each of its 7 dependents as `equivalent` from the registry, pulling none of them;
// - C: an output-changing change (its exported marker file): C builds fmt and its 7 dependents, pulling what
//   they are built from.
// Prints B's time against C's, and what each built, took as equivalent and pulled.
const { join } = require('node:path');
const lib = require('./lib');

const PORT = Number(process.env.REGISTRY_PORT ?? 15092);
const PARALLEL = Number(process.env.PARALLEL ?? 25);
const CHANGED = 'fmtlib-fmt';

/** Machine `name`: an empty engine, a checkout of A's workspace with `change` made; the timed run. */
function ciMachine(name, rootA, change) {
  const engine = lib.startEngine();
  const checkout = lib.copyWorkspace(rootA, `stagecraft-bench-eqreg-${name}-`);
  try {
    change(checkout.root);
    const env = { DOCKER_HOST: engine.dockerHost };
    lib.nx(checkout.root, ['show', 'projects'], env);
    const run = lib.nx(checkout.root, ['run-many', '-t', 'docker-stage', '--output-style=static', `--parallel=${PARALLEL}`], env);
    const output = run.stderr + run.stdout;
    const statuses = lib.summaryStatuses(output);
    const pulled = [...new Set(lib.imagesOn(engine.socket).filter((tag) => !tag.includes(':ck-')).map((tag) => tag.replace(/^.*bench-eqreg-[0-9a-f]+-|:[^:/]*$/g, '')))];
    return { seconds: run.seconds, statuses, counts: lib.countStatuses(statuses), headline: lib.summaryHeadline(output), imagesHere: pulled.sort() };
  } finally {
    checkout.remove();
    engine.stop();
  }
}

function describe(name, machine, dependents) {
  const of = (status) => dependents.filter((stage) => machine.statuses[stage] === status);
  return [
    `${name}: ${machine.seconds.toFixed(2)} s  ${machine.headline}`,
    `  ${CHANGED}: ${machine.statuses[CHANGED]}; its ${dependents.length} dependents: ${of('built').length} built, ${of('equivalent').length} equivalent`,
    `  stage images on this engine afterwards (built or pulled): ${machine.imagesHere.length} (${machine.imagesHere.join(' ')})`,
  ].join('\n');
}

async function main() {
  const packages = lib.openbmcPackages();
  const dag = [...packages, { name: 'final', depends: packages.map((p) => p.name) }];
  const dependents = [...lib.withDependents(dag, [CHANGED])].filter((stage) => stage !== CHANGED).sort();
  const imageName = lib.uniqueImageName('eqreg');
  const rootA = lib.stagecraftDagWorkspace('stagecraft-bench-eqreg-a-', packages, { imageName, runId: imageName, step: `sleep ${lib.SLEEP_SECONDS}`, aggregate: true });
  let registry;
  const cleanup = lib.onExit(() => {
    lib.remove(rootA);
    lib.removeRunImages(imageName, imageName);
  });
  try {
    registry = lib.startRegistry(PORT);
    lib.writeJson(rootA, 'nx.json', {
      plugins: [{ plugin: '@stagecraft/nx', options: { imageName, defaultBase: 'base', defaultRefresh: 'never', registry: registry.registry } }],
    });
    lib.nx(rootA, ['show', 'projects']);
    const a = lib.nx(rootA, ['run-many', '-t', 'docker-stage', '--output-style=static', `--parallel=${PARALLEL}`], { STAGECRAFT_PUSH: '1' });
    if (Object.values(lib.summaryStatuses(a.stderr + a.stdout)).filter((s) => s === 'built').length !== dag.length + 1) {
      throw new Error(`A did not build every stage:\n${a.stderr}${a.stdout}`);
    }
    const identical = ciMachine('b', rootA, (root) => lib.writeFile(root, join('packages', CHANGED, 'NOTES.txt'), 'a note that changes nothing the package exports\n'));
    const changing = ciMachine('c', rootA, (root) => lib.writeFile(root, join('packages', CHANGED, 'marker.txt'), `${CHANGED} changed\n`));

    console.log(lib.nxPluginLoading());
    console.log(`DAG: busybox base, ${packages.length} packages (RUN sleep ${lib.SLEEP_SECONDS}), final; registry ${registry.registry}; --parallel=${PARALLEL}`);
    console.log(`A (cold build + push of every stage and its records): ${a.seconds.toFixed(2)} s`);
    console.log(describe(`B (empty engine, output-identical change to ${CHANGED})`, identical, dependents));
    console.log(describe(`C (empty engine, output-changing change to ${CHANGED})`, changing, dependents));
    console.log(`B / C: ${(identical.seconds / changing.seconds).toFixed(2)} (${identical.seconds.toFixed(2)} s against ${changing.seconds.toFixed(2)} s)`);
    const ok = identical.statuses[CHANGED] === 'built' && dependents.every((stage) => identical.statuses[stage] === 'equivalent') && dependents.every((stage) => changing.statuses[stage] === 'built');
    process.exitCode = ok ? 0 : 1;
  } finally {
    registry?.stop();
    cleanup();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
