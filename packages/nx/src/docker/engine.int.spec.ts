import { execFileSync } from 'child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { createServer, Server } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { connectEngine, describeEngineError, EngineError, ensureEngineReachable } from './engine';

const START_HINT = 'start it (tools/docker-engine.sh start, or `sudo dockerd`) or set DOCKER_HOST to where it listens';

describe('ensureEngineReachable (real engine and sockets)', () => {
  const savedHost = process.env.DOCKER_HOST;
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'stagecraft-engine-'));
    chmodSync(dir, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    if (savedHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = savedHost;
  });

  async function reachabilityError(dockerHost: string): Promise<EngineError> {
    process.env.DOCKER_HOST = dockerHost;
    const error = await ensureEngineReachable(connectEngine()).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  }

  it('answers when the engine of this machine runs', async () => {
    await expect(ensureEngineReachable(connectEngine())).resolves.toBeUndefined();
  });

  it('says how to start the engine when DOCKER_HOST names a socket that does not exist', async () => {
    const error = await reachabilityError('unix:///nonexistent.sock');
    expect(error.message).toBe(`the Docker Engine is not reachable at unix:///nonexistent.sock (no such socket): ${START_HINT}`);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('says a regular file at the socket path is not a socket (Node reports ECONNREFUSED)', async () => {
    const path = join(dir, 'regular.sock');
    writeFileSync(path, '');
    const error = await reachabilityError(`unix://${path}`);
    expect(error.message).toBe(`the Docker Engine is not reachable at unix://${path} (a regular file is there, not a socket): ${START_HINT}`);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('says a directory at the socket path is not a socket (Node reports ECONNREFUSED)', async () => {
    const path = join(dir, 'directory.sock');
    mkdirSync(path);
    const error = await reachabilityError(`unix://${path}`);
    expect(error.message).toBe(`the Docker Engine is not reachable at unix://${path} (a directory is there, not a socket): ${START_HINT}`);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('says how to start the engine when nothing listens on the tcp port', async () => {
    const error = await reachabilityError('tcp://127.0.0.1:1');
    expect(error.message).toBe(`the Docker Engine is not reachable at tcp://127.0.0.1:1 (connection refused): ${START_HINT}`);
  });

  describe('a socket the user may not open', () => {
    let server: Server;
    let socketPath: string;

    beforeAll(async () => {
      socketPath = join(dir, 'locked.sock');
      server = createServer((connection) => connection.end());
      await new Promise<void>((resolve) => server.listen(socketPath, resolve));
      chmodSync(socketPath, 0o000);
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('is reported as permission denied with the docker-group fix, from the error Node really gives', () => {
      // Root may open any socket, so the connection is made by an unprivileged child process.
      const dockerode = require.resolve('dockerode');
      const probe = `
        const Docker = require(${JSON.stringify(dockerode)});
        new Docker({ socketPath: ${JSON.stringify(socketPath)} }).ping().then(
          () => console.log(JSON.stringify({ ok: true })),
          (e) => console.log(JSON.stringify({ code: e.code, address: e.address, syscall: e.syscall, message: e.message })),
        );`;
      const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      const seen = JSON.parse(execFileSync(process.execPath, ['-e', probe], { ...asUser, encoding: 'utf8' }));
      expect(seen).toMatchObject({ code: 'EACCES', address: socketPath, syscall: 'connect' });

      const realError = Object.assign(new Error(seen.message), seen);
      expect(describeEngineError(realError, `unix://${socketPath}`)).toBe(
        `permission denied on ${socketPath}: add your user to the docker group ` +
          '(sudo usermod -aG docker $USER, then log in again) or run with access to the socket',
      );
    });
  });
});
