import { createRequire } from 'node:module';
import type * as Protobuf from 'protobufjs';
import { BuildLog } from './build-log';
import { BuildKitReader, LegacyReader } from './build-readers';
import type { EngineMessage } from './progress';

const load = createRequire(__filename);
const protobuf = load('protobufjs') as typeof Protobuf;
const StatusResponse = protobuf.loadSync(load.resolve('dockerode/lib/proto/buildkit_status.proto')).lookupType('moby.buildkit.v1.StatusResponse');

/** A trace message as the Engine sends it (its aux is a base64 string, not an object). */
function trace(status: object): EngineMessage {
  const aux = Buffer.from(StatusResponse.encode(StatusResponse.fromObject(status)).finish()).toString('base64');
  return { id: 'moby.buildkit.trace', aux } as unknown as EngineMessage;
}

const at = { seconds: 1, nanos: 0 };

function logged() {
  const lines: string[] = [];
  const log = new BuildLog((line) => lines.push(line), 60_000);
  return { lines, log };
}

describe('BuildKitReader', () => {
  it('prints each step once, its output as lines, CACHED steps, and the failing step with its error', () => {
    const { lines, log } = logged();
    const reader = new BuildKitReader(log);
    reader.read(trace({ vertexes: [{ digest: 'a', name: '[1/2] COPY x /x', cached: true, started: at, completed: at }] }));
    reader.read(trace({ vertexes: [{ digest: 'b', name: '[2/2] RUN make' }] }));
    reader.read(trace({ vertexes: [{ digest: 'b', name: '[2/2] RUN make', started: at }] }));
    reader.read(trace({ logs: [{ vertex: 'b', stream: 1, msg: Buffer.from('cc -c a.c\nerr') }] }));
    reader.read(trace({ logs: [{ vertex: 'b', stream: 2, msg: Buffer.from('or: bad\n') }] }));
    reader.read(trace({ vertexes: [{ digest: 'b', name: '[2/2] RUN make', started: at, completed: at, error: 'exit code: 2' }] }));
    reader.read({ errorDetail: { message: 'executor failed running [make]: exit code: 2' }, error: 'x' });
    log.end();

    expect(lines).toEqual(['CACHED [1/2] COPY x /x', '[2/2] RUN make', 'cc -c a.c', 'error: bad', 'ERROR [2/2] RUN make: exit code: 2']);
    expect(reader.failedStep()).toEqual({ name: '[2/2] RUN make', id: 'b' });
    expect(log.tailOf('b')).toEqual(['cc -c a.c', 'error: bad']);
    expect(reader.engineMessage).toBe('executor failed running [make]: exit code: 2');
  });

  it('takes the image id from its own message', () => {
    const reader = new BuildKitReader(logged().log);
    reader.read({ id: 'moby.image.id', aux: { ID: 'sha256:abc' } });
    expect(reader.imageId).toBe('sha256:abc');
  });
});

describe('LegacyReader', () => {
  it('prints steps, output and a CACHED line for a step the cache had, and names the failing step', () => {
    const { lines, log } = logged();
    const reader = new LegacyReader(log);
    reader.read({ stream: 'Step 1/2 : COPY x /x\n ---> Using cache\n ---> abc\n' });
    reader.read({ stream: 'Step 2/2 : RUN make\n ---> Running in 123\ncc -c a.c\n' });
    reader.read({ errorDetail: { message: "The command '/bin/sh -c make' returned a non-zero code: 2" } });
    log.end();

    expect(lines).toEqual([
      'Step 1/2 : COPY x /x',
      ' ---> Using cache',
      'CACHED Step 1/2 : COPY x /x',
      ' ---> abc',
      'Step 2/2 : RUN make',
      ' ---> Running in 123',
      'cc -c a.c',
      "ERROR Step 2/2 : RUN make: The command '/bin/sh -c make' returned a non-zero code: 2",
    ]);
    expect(reader.failedStep()).toEqual({ name: 'Step 2/2 : RUN make', id: 'step-2' });
    expect(log.tailOf('step-2')).toEqual(['cc -c a.c']);
  });
});

describe('BuildLog heartbeat', () => {
  afterEach(() => jest.useRealTimers());

  it('names every running step each interval, and stops when the step ends', () => {
    jest.useFakeTimers();
    let now = 0;
    const lines: string[] = [];
    const log = new BuildLog((line) => lines.push(line), 10_000, () => now);
    log.stepStarted('b', '[2/2] RUN make');
    now = 10_000;
    jest.advanceTimersByTime(10_000);
    now = 20_000;
    jest.advanceTimersByTime(10_000);
    log.stepEnded('b');
    jest.advanceTimersByTime(10_000);
    log.end();
    expect(lines).toEqual(['[2/2] RUN make', 'still running: [2/2] RUN make (10 s)', 'still running: [2/2] RUN make (20 s)']);
  });
});
