// Prints the time the lock takes to resolve 100 stages' floating revs over 10 repositories (bare repositories on
// disk, each with a main branch and v-prefixed tags), divided by one `git ls-remote` per repository run in sequence,
// measured in one run. Goal (issue 12): at most 1.2, with the repositories asked concurrently and once each.
// Also printed, for context: the whole `nx g @stagecraft/nx:lock --check` (Nx start-up and project graph included).
const { spawnSync } = require('node:child_process');
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { REPO_ROOT, makeWorkspace, writeJson, nx, median, remove } = require('./lib');

const STAGES = Number(process.env.STAGES ?? 100);
const REPOS = Number(process.env.REPOS ?? 10);
const RUNS = Number(process.env.RUNS ?? 7);
const dist = (path) => require(join(REPO_ROOT, 'packages', 'nx', 'dist', path));

function git(cwd, ...args) {
  const result = spawnSync('git', ['-c', 'user.email=bench@stagecraft.invalid', '-c', 'user.name=bench', ...args], { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

function createRepositories(dir) {
  return Array.from({ length: REPOS }, (_, r) => {
    const bare = join(dir, `repo-${r}.git`);
    const work = join(dir, `work-${r}`);
    git(dir, 'init', '-q', '--bare', '--initial-branch=main', bare);
    git(dir, 'init', '-q', '--initial-branch=main', work);
    for (let minor = 0; minor < 10; minor++) {
      git(work, 'commit', '-q', '--allow-empty', '-m', `1.${minor}.0`);
      git(work, 'tag', `v1.${minor}.0`);
    }
    git(work, 'push', '-q', bare, 'main', '--tags');
    return bare;
  });
}

/** Half follow main, half a semver range: every stage floats. */
function revOf(index) {
  return index % 2 === 0 ? 'main' : '^1.2.0';
}

const scratch = mkdtempSync(join(tmpdir(), 'stagecraft-bench-lock-'));
const root = makeWorkspace('stagecraft-bench-lock-ws-', {
  plugins: [{ plugin: '@stagecraft/nx', options: { imageName: 'bench', defaultBase: 'debian:12' } }],
});
try {
  const repos = createRepositories(scratch);
  for (let i = 0; i < STAGES; i++) {
    writeJson(root, `stages/s${i}/stage.json`, {
      source: { git: repos[i % REPOS], rev: revOf(i) },
      build: { type: 'custom', steps: ['true'] },
    });
  }
  const { loadStage } = dist('stage/load');
  const { planLock } = dist('lock/lock');
  const stages = Array.from({ length: STAGES }, (_, i) => loadStage(root, `stages/s${i}`));
  const context = { workspaceRoot: root, options: {} };

  const sequential = () => {
    const started = process.hrtime.bigint();
    for (const repo of repos) git(scratch, 'ls-remote', '--heads', '--tags', repo);
    return Number(process.hrtime.bigint() - started) / 1e9;
  };
  const lock = async () => {
    const started = process.hrtime.bigint();
    const { changes, errors } = await planLock(stages, context, { update: true });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (errors.length || changes.length !== STAGES) throw new Error(`lock: ${errors.map((e) => e.message).join('\n')} (${changes.length} changes)`);
    return seconds;
  };

  (async () => {
    await lock();
    sequential();
    const times = { lock: [], sequential: [] };
    for (let run = 0; run < RUNS; run++) {
      times.sequential.push(sequential());
      times.lock.push(await lock());
    }
    const l = median(times.lock);
    const s = median(times.sequential);
    const whole = nx(root, ['g', '@stagecraft/nx:lock']).seconds;
    console.log(`lock: ${STAGES} stages over ${REPOS} repositories, median of ${RUNS} runs`);
    console.log(`  lock (resolve every floating rev):         ${(l * 1000).toFixed(1)} ms`);
    console.log(`  git ls-remote per repository, in sequence: ${(s * 1000).toFixed(1)} ms`);
    console.log(`  ratio: ${(l / s).toFixed(2)}x (goal: <= 1.2x)`);
    console.log(`  for context, the whole nx g @stagecraft/nx:lock (Nx start-up, project graph, writing ${STAGES} pin files): ${whole.toFixed(2)} s`);
  })()
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(() => {
      remove(root);
      remove(scratch);
    });
} catch (error) {
  remove(root);
  remove(scratch);
  throw error;
}
