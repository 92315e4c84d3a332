// Prints one row per fault (issue 15): how many runs, in how many Stagecraft kept working (the run after
// the fault completed), and in how many data was lost (a wrong or partial tag, a lost file).
// Goal: every row kept working in every run, nothing lost. RUNS (default 3) and ONLY (a substring of
// the fault names) narrow it. Needs `npm run build` first and root (for the second engine).
const { join } = require('node:path');
const { randomBytes } = require('node:crypto');
const { REPO_ROOT, onExit } = require('./lib');
const { requireTypeScript } = require('./lib');

const RUNS = Number(process.env.RUNS ?? 3);
const ONLY = process.env.ONLY;

async function main() {
  const { faults } = requireTypeScript(join(REPO_ROOT, 'packages/nx/testing/faults.ts'));
  const imagePrefix = `bench-faults-${randomBytes(4).toString('hex')}`;
  const rows = [];
  for (const fault of faults({ repoRoot: REPO_ROOT, imagePrefix }).filter((f) => !ONLY || f.name.includes(ONLY))) {
    const tearDown = onExit(() => undefined);
    const row = { fault: fault.name, runs: 0, kept: 0, lost: 0, notes: [] };
    try {
      await fault.setUp();
      for (let cycle = 1; cycle <= RUNS; cycle++) {
        const started = Date.now();
        const result = await fault.runOnce(cycle);
        row.runs++;
        if (result.keptWorking) row.kept++;
        if (result.dataLost) row.lost++;
        if (result.detail) row.notes.push(`run ${cycle}: ${result.detail}`);
        console.error(`${fault.name}, run ${cycle}: ${result.keptWorking ? 'kept working' : 'FAILED'}${result.dataLost ? ', DATA LOST' : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)${result.detail ? `: ${result.detail}` : ''}`);
      }
    } catch (error) {
      row.notes.push(`set-up or run failed: ${error.message}`);
    } finally {
      await fault.tearDown().catch((error) => row.notes.push(`tear-down: ${error.message}`));
      tearDown();
    }
    rows.push(row);
  }
  printTable(rows);
  process.exit(rows.every((row) => row.runs === RUNS && row.kept === row.runs && row.lost === 0) ? 0 : 1);
}

function printTable(rows) {
  const header = ['fault', 'runs', 'kept working', 'data lost'];
  const body = rows.map((row) => [row.fault, String(row.runs), String(row.kept), String(row.lost)]);
  const widths = header.map((title, i) => Math.max(title.length, ...body.map((cells) => cells[i].length)));
  const line = (cells) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const cells of body) console.log(line(cells));
  for (const row of rows) for (const note of row.notes) console.log(`note (${row.fault}): ${note}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
