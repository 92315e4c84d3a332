// Prints two figures (issue 4):
//  1. the key computation of one stage with 20,000 input files (500 MB) divided by `sha256sum` over the
//     same files, measured in one run, page cache warm for both (goal <= 1.0);
//  2. the time of the same key in git-commit hash mode on a clean tree (goal <= 50 ms).
const { execFileSync, spawnSync } = require('node:child_process');
const { randomFillSync } = require('node:crypto');
const { mkdirSync, mkdtempSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { median, remove } = require('./lib');

const dist = join(__dirname, '..', '..', 'packages', 'nx', 'dist');
const { loadStage } = require(join(dist, 'stage', 'load'));
const { buildStageGraph } = require(join(dist, 'stage', 'graph'));
const { Planner } = require(join(dist, 'key', 'plan'));
const { resolveOptions } = require(join(dist, 'stage', 'types'));

const FILES = Number(process.env.FILES ?? 20000);
const TOTAL_BYTES = Number(process.env.TOTAL_MB ?? 500) * 1024 * 1024;
const RUNS = Number(process.env.RUNS ?? 3);

function writeTree(root) {
  const size = Math.floor(TOTAL_BYTES / FILES);
  const buffer = Buffer.alloc(size);
  for (let i = 0; i < FILES; i++) {
    const dir = join(root, 'kernel', 'src', `d${String(Math.floor(i / 200)).padStart(3, '0')}`);
    if (i % 200 === 0) mkdirSync(dir, { recursive: true });
    randomFillSync(buffer);
    writeFileSync(join(dir, `f${i}.c`), buffer);
  }
}

function writeStage(root, hashMode) {
  writeFileSync(join(root, 'kernel', 'stage.json'), JSON.stringify({ hashMode, build: { type: 'custom', steps: ['make'] } }));
}

/** The key computation itself: Planner.plan, the one function every target uses (the stage is loaded first). */
async function keyTime(root) {
  const options = resolveOptions({ imageName: 'bench', defaultBase: 'debian:12' });
  const graph = buildStageGraph([loadStage(root, 'kernel')], options);
  const planner = new Planner({ workspaceRoot: root, graph, options, now: new Date(), env: {} });
  const started = process.hrtime.bigint();
  const plan = await planner.plan('kernel');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, plan };
}

function sha256sumTime(root) {
  const started = process.hrtime.bigint();
  const result = spawnSync('bash', ['-c', 'find kernel/src -type f -print0 | xargs -0 sha256sum > /dev/null'], { cwd: root });
  if (result.status !== 0) throw new Error(`sha256sum failed: ${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function main() {
  const root = mkdtempSync(join(tmpdir(), 'stagecraft-bench-key-'));
  try {
    process.stderr.write(`writing ${FILES} files, ${TOTAL_BYTES / 1024 / 1024} MB...\n`);
    writeTree(root);
    writeStage(root, 'content');
    // Warm the page cache for both sides.
    sha256sumTime(root);
    await keyTime(root);
    const ours = [];
    const theirs = [];
    for (let run = 0; run < RUNS; run++) {
      theirs.push(sha256sumTime(root));
      ours.push((await keyTime(root)).seconds);
    }
    const key = median(ours);
    const sum = median(theirs);
    console.log(`files: ${FILES}, ${TOTAL_BYTES / 1024 / 1024} MB, runs: ${RUNS} (medians, page cache warm)`);
    console.log(`stagecraft key (content mode): ${key.toFixed(3)} s`);
    console.log(`sha256sum over the same files: ${sum.toFixed(3)} s`);
    console.log(`ratio: ${(key / sum).toFixed(2)} (goal <= 1.0)`);

    writeStage(root, 'git-commit');
    const git = (...args) => execFileSync('git', ['-c', 'user.email=b@stagecraft.invalid', '-c', 'user.name=bench', ...args], { cwd: root });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'tree');
    const gitTimes = [];
    for (let run = 0; run < RUNS + 2; run++) {
      const { seconds, plan } = await keyTime(root);
      if (plan.keyDocument.contextTree === null) throw new Error(`git-commit mode fell back: ${plan.notices.join('; ')}`);
      gitTimes.push(seconds);
    }
    console.log(`stagecraft key (git-commit mode, clean tree): ${(median(gitTimes) * 1000).toFixed(1)} ms (goal <= 50 ms)`);
  } finally {
    remove(root);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
