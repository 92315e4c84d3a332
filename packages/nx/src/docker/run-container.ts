/** Running a command in a container, attached to this process's terminal, and removing the container afterwards. */
import Docker from 'dockerode';
import type { Duplex } from 'node:stream';
import { isNotFound } from './images';

export interface RunContainerRequest {
  image: string;
  /** The command, one argument per element (exec form: no shell unless the command is one). */
  command: string[];
  /** "uid:gid" */
  user?: string;
  workingDir?: string;
  /** "hostPath:containerPath[:options]" */
  binds?: string[];
  /** NAME=value */
  env?: string[];
  /** Engine network mode ("none", "host", a network name); the Engine's default when unset. */
  networkMode?: string;
  labels?: Record<string, string>;
  /** Allocate a TTY and attach stdin: for a person at a terminal. */
  interactive: boolean;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream | NodeJS.WritableStream;
  stderr: NodeJS.WriteStream | NodeJS.WritableStream;
}

export interface RunContainerResult {
  exitCode: number;
}

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Creates the container, attaches to it, starts it, waits for the command and
 * returns its exit code. The container is removed whatever happens; signals
 * this process receives meanwhile are passed on to the command.
 */
export async function runContainer(docker: Docker, request: RunContainerRequest): Promise<RunContainerResult> {
  const { interactive } = request;
  const container = await createContainer(docker, request);
  const cleanups: Array<() => void> = [];
  try {
    const stream = (await container.attach({ stream: true, stdin: interactive, stdout: true, stderr: true, hijack: interactive })) as Duplex;
    const ended = new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
    if (interactive) {
      stream.pipe(request.stdout);
      cleanups.push(attachTerminal(request.stdin, stream));
    } else {
      container.modem.demuxStream(stream, request.stdout, request.stderr);
    }
    for (const signal of FORWARDED_SIGNALS) {
      const forward = () => void container.kill({ signal }).catch(() => undefined);
      process.on(signal, forward);
      cleanups.push(() => process.off(signal, forward));
    }
    // Waiting on a created container would return at once: wait for the exit that start() leads to.
    const exited = container.wait({ condition: 'next-exit' });
    try {
      await container.start();
    } catch (error) {
      throw new Error(`could not start '${request.command.join(' ')}' in ${request.image}: ${engineMessage(error)}`, { cause: error });
    }
    if (interactive) cleanups.push(followTerminalSize(container, request.stdout));
    const { StatusCode } = (await exited) as { StatusCode: number };
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    return { exitCode: StatusCode };
  } finally {
    for (const cleanup of cleanups.reverse()) cleanup();
    await container.remove({ force: true }).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }
}

async function createContainer(docker: Docker, request: RunContainerRequest): Promise<Docker.Container> {
  try {
    return await docker.createContainer({
      Image: request.image,
      Cmd: request.command,
      User: request.user,
      WorkingDir: request.workingDir,
      Env: request.env,
      Labels: request.labels,
      Tty: request.interactive,
      OpenStdin: request.interactive,
      StdinOnce: request.interactive,
      AttachStdin: request.interactive,
      AttachStdout: true,
      AttachStderr: true,
      HostConfig: { Binds: request.binds, NetworkMode: request.networkMode, AutoRemove: false },
    });
  } catch (error) {
    if (isNotFound(error)) throw new Error(`image ${request.image} is not present: ${engineMessage(error)}`, { cause: error });
    throw new Error(`could not create a container from ${request.image}: ${engineMessage(error)}`, { cause: error });
  }
}

/** Raw keystrokes go to the container (Ctrl-C included); returns what undoes it. */
function attachTerminal(stdin: NodeJS.ReadStream, stream: Duplex): () => void {
  const wasRaw = stdin.isTTY ? stdin.isRaw : false;
  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.pipe(stream);
  stdin.resume();
  return () => {
    stdin.unpipe(stream);
    if (stdin.isTTY) stdin.setRawMode(wasRaw);
    stdin.pause();
  };
}

function followTerminalSize(container: Docker.Container, stdout: NodeJS.WriteStream | NodeJS.WritableStream): () => void {
  const terminal = stdout as NodeJS.WriteStream;
  if (!terminal.isTTY) return () => undefined;
  const resize = () => void container.resize({ h: terminal.rows, w: terminal.columns }).catch(() => undefined);
  resize();
  terminal.on('resize', resize);
  return () => terminal.off('resize', resize);
}

function engineMessage(error: unknown): string {
  const json = (error as { json?: { message?: string } } | null)?.json;
  return json?.message ?? (error instanceof Error ? error.message : String(error));
}
