import type Docker from 'dockerode';
import { ENGINE_REQUESTS_AT_ONCE } from '../util/request-pools';
import { dockerEngine } from './stage-engine';

describe('dockerEngine', () => {
  it('looks many tags up with at most the process-wide number of Engine requests at once', async () => {
    let inFlight = 0;
    let most = 0;
    const inspected: string[] = [];
    const docker = {
      getImage: (ref: string) => ({
        inspect: async () => {
          most = Math.max(most, ++inFlight);
          await new Promise((resolve) => setImmediate(resolve));
          inFlight--;
          inspected.push(ref);
          if (ref.endsWith(':missing')) throw Object.assign(new Error('no such image'), { statusCode: 404 });
          return { Id: `sha256:${ref}` };
        },
      }),
    } as unknown as Docker;
    const tags = Array.from({ length: 50 }, (_, i) => `stage-${i}:${i % 5 === 0 ? 'missing' : 'key'}`);
    // Two batches' look-ups at once share the one pool.
    const [first, second] = await Promise.all([dockerEngine(docker).imagesOf(tags), dockerEngine(docker).imagesOf(tags)]);
    expect(most).toBe(ENGINE_REQUESTS_AT_ONCE);
    expect(inspected).toHaveLength(100);
    expect(first.size).toBe(40);
    expect(second).toEqual(first);
    expect(first.get('stage-1:key')).toBe('sha256:stage-1:key');
  });
});
