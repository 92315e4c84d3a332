#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { QUERY_USAGE, QUERY_VERBS, runQueryCli, type QueryVerb } from './query-cli';
import { RUN_USAGE, runStageCli } from './run-stage-cli';
import { loadCliWorkspace } from './workspace';

/**
 * The stagecraft command, for scripts:
 * - `run <stage> [run options] [--] <command...>`: the run target, exiting
 *   with the command's own exit code (which nx cannot pass on);
 * - `tag`, `plan`, `status`: answers on stdout and nothing else there.
 */
const [verb, ...args] = process.argv.slice(2);

// Only the answer goes to stdout: whatever else would be printed there (Nx's
// messages while it reads the project graph, a plugin's) goes to stderr.
const answer = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`stagecraft: ${error.message}\n`);
    process.exit(1);
  },
);

async function main(): Promise<number> {
  if (verb === 'run') {
    // The command's output is the answer here: stdout is the command's own.
    process.stdout.write = answer;
    return runStageCli(args, {
      ensureImage: (stage, target, workspaceRoot) =>
        spawnSync(process.execPath, [require.resolve('nx/bin/nx.js', { paths: [workspaceRoot] }), 'run', `${stage}:${target}`], {
          cwd: workspaceRoot,
          // Build output goes to stderr: stdout belongs to the command.
          stdio: ['ignore', process.stderr, process.stderr],
        }).status ?? 1,
    });
  }
  if ((QUERY_VERBS as readonly string[]).includes(verb)) {
    return runQueryCli(verb as QueryVerb, args, (text) => void answer(text), loadCliWorkspace);
  }
  process.stderr.write(`usage:\n  ${RUN_USAGE}\n${QUERY_USAGE.map((line) => `  ${line}`).join('\n')}\n`);
  return 2;
}
