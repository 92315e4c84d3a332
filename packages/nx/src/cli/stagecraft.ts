#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { runStageCli } from './run-stage-cli';

/**
 * `stagecraft run <stage> [run options] [--] <command...>`: the run target for
 * scripts. It ensures the image through `nx run <stage>:docker-stage` (so
 * upstream stages come first), runs the command in it like `nx run <stage>:run`,
 * and exits with the command's own exit code, which nx itself cannot pass on.
 */
runStageCli(process.argv.slice(2), {
  ensureImage: (stage, target, workspaceRoot) =>
    spawnSync(process.execPath, [require.resolve('nx/bin/nx.js', { paths: [workspaceRoot] }), 'run', `${stage}:${target}`], {
      cwd: workspaceRoot,
      // Build output goes to stderr: stdout belongs to the command.
      stdio: ['ignore', process.stderr, process.stderr],
    }).status ?? 1,
}).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`stagecraft: ${error.message}\n`);
    process.exit(1);
  },
);
