#!/usr/bin/env node
// The `stagecraft` command. This file is committed (dist/ is not) so that npm links
// the bin at install time, before `npm run build` has made dist/.
try {
  require.resolve('../dist/cli/stagecraft.js');
} catch {
  process.stderr.write('stagecraft: the plugin is not built yet (no dist/); run `npm run build` in the Stagecraft repository\n');
  process.exit(1);
}
require('../dist/cli/stagecraft.js');
