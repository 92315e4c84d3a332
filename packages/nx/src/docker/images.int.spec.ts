import { randomBytes } from 'crypto';
import { buildImage } from './build';
import { packContext } from './context';
import { connectEngine } from './engine';
import { dockerEngine } from './stage-engine';
import { removeImages } from '../../testing/engine';
import { imageExists, listLocalImages } from './images';

const suffix = randomBytes(4).toString('hex');

describe('local images (real engine)', () => {
  const docker = connectEngine();
  const tag = `stagecraft-test-images-${suffix}:t1`;
  const secondTag = `127.0.0.1:5000/stagecraft-test-images-${suffix}:2026-W47-abc`;
  let imageId: string;

  beforeAll(async () => {
    const context = packContext([{ path: 'Dockerfile', mode: 0o644, source: { content: `FROM scratch\nLABEL test=${suffix}\n` } }]);
    ({ imageId } = await buildImage(docker, { tag, context, labels: {}, buildArgs: {}, noCache: false, onLine: () => undefined }));
    await docker.getImage(imageId).tag({ repo: `127.0.0.1:5000/stagecraft-test-images-${suffix}`, tag: '2026-W47-abc' });
  });
  afterAll(async () => {
    await removeImages([tag, secondTag, imageId]);
  });

  it('lists every local tag as the engine prints it with its image id, with one listImages call', async () => {
    const listImages = jest.spyOn(docker, 'listImages');
    const images = await listLocalImages(docker);
    expect(listImages).toHaveBeenCalledTimes(1);
    listImages.mockRestore();
    expect(images.get(tag)).toBe(imageId);
    expect(images.get(secondTag)).toBe(imageId);
    expect(images.has('<none>:<none>')).toBe(false);
  });

  it('tells whether an image exists', async () => {
    expect(await imageExists(docker, tag)).toBe(true);
    expect(await imageExists(docker, imageId)).toBe(true);
    expect(await imageExists(docker, `stagecraft-test-images-${suffix}:absent`)).toBe(false);
  });

  it("the build core's remove is a plain one: an image with other tags stays, a tag is untagged, a missing one is no error", async () => {
    const engine = dockerEngine(docker);
    await engine.removeImage(imageId);
    expect(await imageExists(docker, imageId)).toBe(true);
    await engine.removeImage(secondTag);
    await engine.removeImage(`stagecraft-test-images-${suffix}:absent`);
    expect(await imageExists(docker, secondTag)).toBe(false);
    expect(await imageExists(docker, tag)).toBe(true);
  });
});
