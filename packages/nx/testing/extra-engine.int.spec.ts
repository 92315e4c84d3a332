import { existsSync } from 'node:fs';
import { startExtraEngine, type ExtraEngine } from './extra-engine';

describe('extra engine (tools/extra-engine.sh)', () => {
  let engine: ExtraEngine | undefined;
  afterAll(() => engine?.stop());

  it('starts a separate engine with its own image store, and stop removes it', async () => {
    engine = startExtraEngine();
    expect((await engine.docker.ping()).toString()).toBe('OK');
    const own = await engine.docker.info();
    expect(own.DockerRootDir).toBe(`${engine.dir}/data`);
    expect(await engine.docker.listImages()).toEqual([]);

    const dir = engine.dir;
    engine.stop();
    engine = undefined;
    expect(existsSync(dir)).toBe(false);
  });
});
