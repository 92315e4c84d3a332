import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connectEngine } from '../docker/engine';
import { dockerEngine } from '../docker/stage-engine';
import { FileHashCache } from '../key/hash-cache';
import { Planner } from '../key/plan';
import { buildStageGraph } from '../stage/graph';
import { loadStage } from '../stage/load';
import { resolveOptions } from '../stage/plugin-options';
import { removeImagesNamed, tagsNamed, uniqueImageName } from '../../testing/engine';
import { runStageBatch, type StageRunEvent } from './run-stages';
import { withTagLock } from './tag-lock';

/** The pids of the processes whose command line holds the marker: a BuildKit RUN step runs as a process of this machine. */
function processesMentioning(marker: string): string[] {
  return readdirSync('/proc').filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
    } catch {
      return false;
    }
  });
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

describe('a cancelled batch on the real Engine (BuildKit)', () => {
  const imageName = uniqueImageName('cancel');
  const marker = `sc-cancel-${randomBytes(6).toString('hex')}`;
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'stagecraft-cancel-'));
    mkdirSync(join(root, 'slow'));
    copyFileSync('/bin/busybox', join(root, 'slow', 'busybox'));
    // The marker makes the step's cache key new on every run, so BuildKit runs it.
    writeFileSync(
      join(root, 'slow', 'Dockerfile'),
      `FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "/bin/busybox sleep 300; echo ${marker}"]\n`,
    );
  });
  afterAll(async () => {
    await removeImagesNamed(imageName);
    rmSync(root, { recursive: true, force: true });
  });

  it('stops the RUN step within seconds, releases the tag lock and tags nothing', async () => {
    const options = resolveOptions({ imageName, builder: 'buildkit' });
    const graph = buildStageGraph([loadStage(root, 'slow')], options);
    const cacheDir = join(root, '.cache');
    const hashCache = new FileHashCache(join(cacheDir, 'file-hashes.json'));
    const planner = new Planner({ workspaceRoot: root, graph, options, hashCache, now: new Date(), env: {} });
    const engine = dockerEngine(connectEngine(), 'buildkit');
    const cancel = new AbortController();
    const events: StageRunEvent[] = [];
    const batch = (async () => {
      for await (const event of runStageBatch({
        stages: { graph, planner, workspaceRoot: root, cacheDir, hashCache, options },
        projects: ['slow'],
        engine,
        concurrency: 1,
        isForced: () => false,
        explain: false,
        write: () => undefined,
        timeline: true,
        signal: cancel.signal,
      })) {
        events.push(event);
      }
    })();

    const running = await until(() => events.length > 0 || processesMentioning(marker).length > 0, 120_000);
    expect({ running, events }).toEqual({ running: true, events: [] });
    const cancelledAt = Date.now();
    cancel.abort();
    await batch;
    const answeredMs = Date.now() - cancelledAt;

    expect(events.map((event) => event.outcome)).toEqual([expect.objectContaining({ stage: 'slow', status: 'failed', message: expect.stringContaining('the build was cancelled') })]);
    expect(answeredMs).toBeLessThan(10_000);
    expect(await until(() => processesMentioning(marker).length === 0, 5_000)).toBe(true);
    expect(await tagsNamed(imageName)).toEqual([]);
    // The lock is free: taking it does not wait for a holder.
    const tag = (await planner.plan('slow')).tag;
    const lockStarted = Date.now();
    await withTagLock(join(cacheDir, 'locks'), tag, async () => undefined);
    expect(Date.now() - lockStarted).toBeLessThan(1_000);
    // The batch still wrote its timeline.
    expect(events.at(-1)!.timelineFiles).toHaveLength(2);
  });
});
