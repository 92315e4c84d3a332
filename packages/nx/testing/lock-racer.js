// One of several processes racing for a tag lock (see tag-lock.int.spec.ts):
// waits for the start signal, takes the lock, and records any overlap with another holder.
const { existsSync, openSync, closeSync, unlinkSync, appendFileSync } = require('node:fs');
const { join } = require('node:path');
const [lockModule, dir, name] = process.argv.slice(2);
const { withTagLock } = require(lockModule);

const start = join(dir, 'go');
const inside = join(dir, 'inside');
const log = join(dir, 'log');
while (!existsSync(start)) {
  // spin: every racer leaves the starting line within a few microseconds of the others
}
withTagLock(join(dir, 'locks'), 'racer:1', async () => {
  try {
    closeSync(openSync(inside, 'wx'));
  } catch {
    appendFileSync(log, `overlap ${name}\n`);
    return;
  }
  appendFileSync(log, `in ${name}\n`);
  await new Promise((resolve) => setTimeout(resolve, 150));
  unlinkSync(inside);
  appendFileSync(log, `out ${name}\n`);
}).then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
