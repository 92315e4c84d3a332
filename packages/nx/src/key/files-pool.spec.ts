import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CORES = 3;
let running = 0;
let mostAtOnce = 0;

jest.mock('node:os', () => ({ ...jest.requireActual('node:os'), availableParallelism: () => CORES }));
jest.mock('node:worker_threads', () => {
  const actual = jest.requireActual('node:worker_threads');
  class CountedWorker extends actual.Worker {
    constructor(...args: ConstructorParameters<typeof actual.Worker>) {
      super(...args);
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      this.once('exit', () => running--);
    }
  }
  return { ...actual, Worker: CountedWorker };
});

import { hashFiles } from './files';

describe('the hashing pool', () => {
  let root: string;
  const paths = Array.from({ length: 1200 }, (_, i) => `many/f${i}`);
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'stagecraft-pool-'));
    mkdirSync(join(root, 'many'));
    for (const path of paths) writeFileSync(join(root, path), path);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("runs at most one hashing worker per core in the whole process, however many stages hash at once", async () => {
    const results = await Promise.all(Array.from({ length: 4 }, () => hashFiles(root, paths)));
    expect(results.every((hashed) => hashed.length === paths.length && hashed[7].path === paths[7])).toBe(true);
    expect(mostAtOnce).toBeGreaterThan(1);
    expect(mostAtOnce).toBeLessThanOrEqual(CORES);
  }, 30_000);
});
