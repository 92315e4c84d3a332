// Prints the wall time of `nx show projects` over a 500-stage Stagecraft workspace divided by the same
// workspace written as plain project.json files (same projects, same edges), measured in one run.
// Goal (issue 2): at most 1.3.
const { makeWorkspace, writeFile, writeJson, nx, median, remove, seededRandom } = require('./lib');

const STAGES = Number(process.env.STAGES ?? 500);
const RUNS = Number(process.env.RUNS ?? 7);

function dag() {
  const random = seededRandom(42);
  return Array.from({ length: STAGES }, (_, i) => {
    const name = `stage-${String(i).padStart(3, '0')}`;
    const depends = [];
    for (let d = 0; d < 3 && i > 0; d++) {
      const upstream = `stage-${String(Math.floor(random() * i)).padStart(3, '0')}`;
      if (!depends.includes(upstream)) depends.push(upstream);
    }
    return { name, depends: depends.sort() };
  });
}

function stagecraftWorkspace(stages) {
  const root = makeWorkspace('stagecraft-bench-graph-', {
    plugins: [{ plugin: '@stagecraft/nx', options: { imageName: 'bench', defaultBase: 'debian:12' } }],
  });
  for (const { name, depends } of stages) {
    writeJson(root, `stages/${name}/stage.json`, { depends, build: { type: 'custom', steps: ['make install'] } });
    writeFile(root, `stages/${name}/Makefile`, 'install:\n\ttrue\n');
  }
  return root;
}

function plainWorkspace(stages) {
  const root = makeWorkspace('stagecraft-bench-plain-', {});
  for (const { name, depends } of stages) {
    writeJson(root, `stages/${name}/project.json`, {
      name,
      implicitDependencies: depends,
      targets: { 'docker-stage': { command: 'true', dependsOn: ['^docker-stage'] } },
    });
    writeFile(root, `stages/${name}/Makefile`, 'install:\n\ttrue\n');
  }
  return root;
}

const stages = dag();
const stagecraft = stagecraftWorkspace(stages);
const plain = plainWorkspace(stages);
try {
  // Warm both: the first run fills Nx's caches (and Stagecraft's inferred-stage cache). Nx 24's
  // first graph of a freshly written tree sometimes lists only part of it, for plain project.json
  // workspaces too (4 of 8 fresh 500-project workspaces here); the next run lists all. So each
  // side is warmed until it lists every project, at most three times.
  for (const [name, root] of [['stagecraft', stagecraft], ['plain', plain]]) {
    let listed = 0;
    for (let attempt = 0; attempt < 3 && listed !== STAGES; attempt++) {
      listed = nx(root, ['show', 'projects']).stdout.trim().split('\n').length;
    }
    if (listed !== STAGES) throw new Error(`expected ${STAGES} projects in the ${name} workspace, nx listed ${listed}`);
  }
  const times = { stagecraft: [], plain: [] };
  for (let run = 0; run < RUNS; run++) {
    times.plain.push(nx(plain, ['show', 'projects']).seconds);
    times.stagecraft.push(nx(stagecraft, ['show', 'projects']).seconds);
  }
  const s = median(times.stagecraft);
  const p = median(times.plain);
  console.log(`stages: ${STAGES}, runs: ${RUNS} (medians)`);
  console.log(`stagecraft nx show projects: ${s.toFixed(3)} s`);
  console.log(`project.json nx show projects: ${p.toFixed(3)} s`);
  console.log(`ratio: ${(s / p).toFixed(2)} (goal <= 1.3)`);
} finally {
  remove(stagecraft);
  remove(plain);
}
