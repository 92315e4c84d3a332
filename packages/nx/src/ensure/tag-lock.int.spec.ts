import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOCK_MODULE = join(__dirname, '..', '..', 'dist', 'ensure', 'tag-lock.js');
const RACER = join(__dirname, '..', '..', 'testing', 'lock-racer.js');
const RACERS = 3;
const ROUNDS = 8;

function runRacer(dir: string, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RACER, LOCK_MODULE, dir, name], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

describe('the tag lock across processes', () => {
  let root: string;
  beforeAll(() => (root = mkdtempSync(join(tmpdir(), 'stagecraft-lock-race-'))));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it(`lets exactly one of ${RACERS} processes at a time take over one stale lock`, async () => {
    const lockName = createHash('sha256').update('racer:1').digest('hex').slice(0, 32);
    for (let round = 0; round < ROUNDS; round++) {
      const dir = join(root, String(round));
      mkdirSync(join(dir, 'locks', lockName), { recursive: true });
      // The holder of generation 1 died: every racer finds the same stale lock.
      writeFileSync(join(dir, 'locks', lockName, '1'), '999999999 1');
      const racers = Array.from({ length: RACERS }, (_, i) => runRacer(dir, `p${i}`));
      await new Promise((resolve) => setTimeout(resolve, 400));
      writeFileSync(join(dir, 'go'), '');
      expect(await Promise.all(racers)).toEqual(new Array(RACERS).fill(0));
      const log = readFileSync(join(dir, 'log'), 'utf8').trim().split('\n');
      expect(log.filter((line) => line.startsWith('overlap'))).toEqual([]);
      // in/out strictly alternate, and every racer got its turn.
      expect(log.map((line) => line.split(' ')[0])).toEqual(new Array(RACERS).fill(['in', 'out']).flat());
      // Each racer took the generation after the dead holder's, in the tag's own directory.
      expect(readdirSync(join(dir, 'locks', lockName)).sort()).toEqual([`${RACERS + 1}`, `${RACERS + 1}.released`]);
    }
  }, 60_000);
});
