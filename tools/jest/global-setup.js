// Integration specs run the built plugin (dist/): build it first when a source is newer than
// the last build, so they never run stale code however jest is started. A stat walk: milliseconds.
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { BUILD_STAMP } = require('../copy-assets');

const repo = join(__dirname, '..', '..');
const plugin = join(repo, 'packages', 'nx');

/** The newest modification time among the files a build reads. */
function newestSource() {
  let newest = 0;
  const visit = (path) => {
    const stats = statSync(path);
    if (stats.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
    else if (!/\.spec\.ts$|\.snap$/.test(path)) newest = Math.max(newest, stats.mtimeMs);
  };
  visit(join(plugin, 'src'));
  for (const file of ['tsconfig.lib.json', 'package.json']) visit(join(plugin, file));
  visit(join(repo, 'tsconfig.base.json'));
  return newest;
}

module.exports = async function buildWhenStale() {
  if (existsSync(BUILD_STAMP) && statSync(BUILD_STAMP).mtimeMs >= newestSource()) return;
  process.stderr.write('\nBuilding the plugin: a source is newer than dist/\n');
  const build = spawnSync('npm', ['run', 'build'], { cwd: repo, stdio: ['ignore', process.stderr, process.stderr] });
  if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status}): the integration specs need dist/`);
};
