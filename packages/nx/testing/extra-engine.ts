import Docker from 'dockerode';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** A second, separate Docker engine (its own image store and containerd): another CI machine for a spec. */
export interface ExtraEngine {
  /** The engine's state directory (short: its socket path must stay under the unix limit). */
  dir: string;
  /** `unix://<dir>/docker.sock`: pass as DOCKER_HOST to nx or the CLI. */
  dockerHost: string;
  docker: Docker;
  /** Stops the engine (tools/extra-engine.sh stop) and, unless told to keep it, removes its directory. */
  stop(options?: { keepDir?: boolean }): void;
}

const SCRIPT = join(__dirname, '..', '..', '..', 'tools', 'extra-engine.sh');

function runScript(action: 'start' | 'stop', dir: string, dockerdArgs: string[] = []): void {
  const result = spawnSync('bash', [SCRIPT, action, dir, ...dockerdArgs], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`tools/extra-engine.sh ${action} ${dir} failed (${result.status}):\n${result.stderr}${result.stdout}`);
  }
}

/**
 * Starts a fresh engine under a new directory in /tmp (tools/extra-engine.sh start). Call stop() in afterAll.
 * Pass an existing dir to start again an engine that was stopped or killed (its image store is kept),
 * and more dockerd arguments (a TLS tcp listener, say) after it.
 */
export function startExtraEngine(dir = mkdtempSync('/tmp/sce-'), dockerdArgs: string[] = []): ExtraEngine {
  try {
    runScript('start', dir, dockerdArgs);
  } catch (error) {
    runScript('stop', dir);
    throw error;
  }
  const socketPath = join(dir, 'docker.sock');
  return {
    dir,
    dockerHost: `unix://${socketPath}`,
    docker: new Docker({ socketPath }),
    stop: (options = {}) => {
      runScript('stop', dir);
      if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
