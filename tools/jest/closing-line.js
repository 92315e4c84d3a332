// The closing "N passed, N failed" line of tools/test.sh, from jest's --json results. A spec file
// that failed to compile or run (or failed in a hook) has no failed assertion, yet counts as one failure.
const { existsSync, readFileSync } = require('node:fs');

/** @param {any} results jest's --json output, or undefined when jest wrote none */
function closingLine(results, extraFailures = 0) {
  if (!results) return `0 passed, ${1 + extraFailures} failed (jest wrote no results)`;
  const brokenFiles = results.testResults.filter(
    (file) => file.status === 'failed' && !file.assertionResults.some((assertion) => assertion.status === 'failed'),
  ).length;
  return `${results.numPassedTests} passed, ${results.numFailedTests + brokenFiles + extraFailures} failed`;
}

if (require.main === module) {
  const [file, extra = '0'] = process.argv.slice(2);
  const results = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
  console.log(closingLine(results, Number(extra)));
}

module.exports = { closingLine };
