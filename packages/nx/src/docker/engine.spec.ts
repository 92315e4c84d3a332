import Docker from 'dockerode';
import { describeEngineError, engineErrorFor, engineLocation, unixSocketPath } from './engine';

function errnoError(code: string, extra: Record<string, unknown> = {}): NodeJS.ErrnoException {
  return Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code, syscall: 'connect', ...extra });
}

describe('describeEngineError', () => {
  const where = 'unix:///var/run/docker.sock';

  it('tells how to get access when the socket refuses permission', () => {
    const message = describeEngineError(errnoError('EACCES', { address: '/var/run/docker.sock' }), where);
    expect(message).toBe(
      'permission denied on /var/run/docker.sock: add your user to the docker group ' +
        '(sudo usermod -aG docker $USER, then log in again) or run with access to the socket',
    );
  });

  it('names the socket from the location when the error carries no address', () => {
    expect(describeEngineError(errnoError('EPERM'), where)).toMatch(/^permission denied on \/var\/run\/docker\.sock: /);
  });

  it.each([
    ['ENOENT', 'no such socket'],
    ['ECONNREFUSED', 'connection refused'],
    ['ENOTSOCK', 'not a socket'],
    ['EHOSTUNREACH', 'EHOSTUNREACH'],
  ])('tells how to start the engine on %s', (code, reason) => {
    expect(describeEngineError(errnoError(code), where)).toBe(
      `the Docker Engine is not reachable at ${where} (${reason}): ` +
        'start it (tools/docker-engine.sh start, or `sudo dockerd`) or set DOCKER_HOST to where it listens',
    );
  });

  it('says what sits at a socket path that is not a socket', () => {
    expect(describeEngineError(errnoError('ECONNREFUSED'), 'unix:///tmp/x', 'a regular file')).toMatch(
      /^the Docker Engine is not reachable at unix:\/\/\/tmp\/x \(a regular file is there, not a socket\): start it/,
    );
  });

  it('treats a ping that timed out as unreachable', () => {
    const timeout = Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
    expect(describeEngineError(timeout, 'tcp://127.0.0.1:2375')).toMatch(/not reachable at tcp:\/\/127\.0\.0\.1:2375 \(no answer within 15 s\)/);
  });

  it('reports an HTTP answer that is not a pong with its status', () => {
    const err = Object.assign(new Error('(HTTP code 500) server error - boom'), { statusCode: 500 });
    expect(describeEngineError(err, where)).toBe(`the Docker Engine at ${where} answered with HTTP 500: (HTTP code 500) server error - boom`);
  });

  it('passes anything else through with the location', () => {
    expect(describeEngineError('weird', where)).toBe(`could not talk to the Docker Engine at ${where}: weird`);
  });
});

describe('engineErrorFor', () => {
  it('wraps connection errors and leaves others alone', () => {
    const wrapped = engineErrorFor(errnoError('ECONNREFUSED'), 'unix:///s');
    expect(wrapped?.name).toBe('EngineError');
    expect(wrapped?.message).toMatch(/not reachable at unix:\/\/\/s/);
    expect(engineErrorFor(new Error('dockerfile parse error'), 'unix:///s')).toBeUndefined();
  });
});

describe('unixSocketPath', () => {
  it('reads unix:// hosts, defaults when unset, and leaves tcp to docker-modem', () => {
    expect(unixSocketPath('unix:///run/user/1000/docker.sock', '/home/u')).toBe('/run/user/1000/docker.sock');
    expect(unixSocketPath('unix://', '/home/u')).toBe('/var/run/docker.sock');
    expect(unixSocketPath(undefined, '/nonexistent-home')).toBe('/var/run/docker.sock');
    expect(unixSocketPath('tcp://127.0.0.1:2375', '/home/u')).toBeUndefined();
  });
});

describe('engineLocation', () => {
  it('renders unix and tcp clients as DOCKER_HOST values', () => {
    expect(engineLocation(new Docker({ socketPath: '/tmp/d.sock' }))).toBe('unix:///tmp/d.sock');
    expect(engineLocation(new Docker({ host: '127.0.0.1', port: 2375, protocol: 'http' }))).toBe('tcp://127.0.0.1:2375');
  });
});
