// Shared helpers for the benchmarks: temp workspaces wired to this repository's node_modules, timing, medians.
const { spawnSync } = require('node:child_process');
const { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { dirname, join } = require('node:path');

const REPO_ROOT = join(__dirname, '..', '..');

function makeWorkspace(prefix, nxJson) {
  const root = mkdtempSync(join(tmpdir(), prefix));
  writeJson(root, 'package.json', { name: prefix.replace(/[^a-z]/g, ''), private: true });
  writeJson(root, 'nx.json', nxJson);
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}

function writeFile(root, path, content) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

function writeJson(root, path, value) {
  writeFile(root, path, `${JSON.stringify(value, null, 2)}\n`);
}

const NX_ENV = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true' };

function nx(root, args, env = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(join(root, 'node_modules', '.bin', 'nx'), args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...NX_ENV, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    throw new Error(`nx ${args.join(' ')} failed in ${root}:\n${result.stdout}\n${result.stderr}`);
  }
  return { seconds, stdout: result.stdout, stderr: result.stderr };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function remove(root) {
  rmSync(root, { recursive: true, force: true });
}

/** A deterministic pseudo-random generator, so every run benchmarks the same workspace. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

module.exports = { REPO_ROOT, makeWorkspace, writeFile, writeJson, nx, median, remove, seededRandom };
