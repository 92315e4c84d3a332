import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { faults, type Fault } from '../../testing/faults';

/**
 * Items 8 to 10 of issue 15 against the real engine, once each: an interrupt
 * during a build, an engine (a second, throw-away dockerd) killed during a
 * build, and a damaged cache directory. tools/bench/faults runs every fault
 * (these and more) several times and prints the table.
 */
const ALL = faults({ repoRoot: join(__dirname, '..', '..', '..', '..'), imagePrefix: `sc-test-faults-${randomBytes(4).toString('hex')}` });
const IN_THIS_SPEC = ['SIGINT during a build', 'engine killed during a build', 'damaged cache files'];

describe.each(ALL.filter((fault) => IN_THIS_SPEC.includes(fault.name)).map((fault) => [fault.name, fault] as [string, Fault]))('%s', (_name, fault) => {
  beforeAll(() => fault.setUp());
  afterAll(() => fault.tearDown());

  it('keeps working and loses nothing', async () => {
    expect(await fault.runOnce(1)).toEqual({ keptWorking: true, dataLost: false, detail: '' });
  });
});
