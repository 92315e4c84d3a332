import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';

/** A unique image name prefix for one test file, so runs never see each other's images. */
export function uniqueImageName(purpose: string): string {
  return `sc-test-${purpose}-${randomBytes(4).toString('hex')}`;
}

/** Removes every image whose repository starts with the prefix (the tests' own images). */
export async function removeImagesNamed(prefix: string): Promise<void> {
  const docker = new Docker();
  const named = (tag: string) => tag.startsWith(prefix) || tag.includes(`/${prefix}`);
  // An image pulled by digest is named by its digest reference alone (repository@sha256:...).
  const refsOf = (image: Docker.ImageInfo) => [...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])].filter(named);
  const images = (await docker.listImages()).filter((image) => refsOf(image).length > 0);
  for (const image of images) {
    for (const ref of refsOf(image)) {
      await docker.getImage(ref).remove({ force: true }).catch(() => undefined);
    }
  }
  // Untagging a parent before its children leaves it behind untagged, and so does a rebuild that moved a
  // tag off an image others were built on: remove, children first, what is left of these images and the
  // untagged images of the same stage keys. A plain remove refuses an image another tag or image needs.
  const keys = new Set(images.map((image) => image.Labels?.[KEY_LABEL]).filter(Boolean));
  const untagged = (await docker.listImages()).filter((image) => isUntagged(image) && keys.has(image.Labels?.[KEY_LABEL]));
  await removeImagesLeft(docker, [...images, ...untagged].map((image) => image.Id));
}

const KEY_LABEL = 'dev.stagecraft.key';

function isUntagged(image: Docker.ImageInfo): boolean {
  return (image.RepoTags ?? []).every((tag) => tag === '<none>:<none>');
}

/**
 * Removes each image id left that no tag names any more (another name may share the image: removing it by
 * id would take that tag too), with a plain remove, pass after pass while a pass removes something.
 */
async function removeImagesLeft(docker: Docker, ids: string[]): Promise<void> {
  let left = ids;
  while (left.length) {
    const failed: string[] = [];
    for (const id of left) {
      const tags = await docker.getImage(id).inspect().then((image) => image.RepoTags ?? [], () => undefined);
      if (tags === undefined || tags.length > 0) continue;
      await docker
        .getImage(id)
        .remove()
        .catch((error: { statusCode?: number }) => {
          if (error?.statusCode !== 404) failed.push(id);
        });
    }
    if (failed.length === left.length) return;
    left = failed;
  }
}

/** Force-removes each image (a tag untags it; an id removes it), skipping those already gone. */
export async function removeImages(refs: Iterable<string>): Promise<void> {
  const docker = new Docker();
  for (const ref of refs) {
    await docker
      .getImage(ref)
      .remove({ force: true })
      .catch((error: { statusCode?: number }) => {
        if (error?.statusCode !== 404) throw error;
      });
  }
}

export async function tagsNamed(prefix: string): Promise<string[]> {
  const images = await new Docker().listImages();
  return images.flatMap((image) => image.RepoTags ?? []).filter((tag) => tag.startsWith(prefix)).sort();
}

/** The tags under the prefix without the equivalence aliases (`<repository>:ck-<resolved key>`) that builds add beside them. */
export async function stageTagsNamed(prefix: string): Promise<string[]> {
  return (await tagsNamed(prefix)).filter((tag) => !tag.includes(':ck-'));
}

/** An image built outside Stagecraft from busybox, standing in for an external base such as debian:12. */
export async function buildExternalBase(tag: string, marker?: string): Promise<void> {
  const { buildImage } = await import('../src/docker/build');
  const { packContext } = await import('../src/docker/context');
  // A marker file gives the same base other content (a re-push under the same tag).
  const markerLines = marker === undefined ? '' : 'COPY marker /marker\n';
  await buildImage(new Docker(), {
    tag,
    context: packContext([
      { path: 'Dockerfile', mode: 0o644, source: { content: `FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n${markerLines}` } },
      { path: 'busybox', mode: 0o755, source: { file: '/bin/busybox' } },
      ...(marker === undefined ? [] : [{ path: 'marker', mode: 0o644, source: { content: marker } }]),
    ]),
    labels: {},
    buildArgs: {},
    noCache: false,
    onLine: () => undefined,
  });
}

/**
 * Pins a stage's external base to the local image's id, as the lock generator does for an image only the
 * Engine has (stage.lock.json's base field).
 */
export async function pinLocalBase(workspace: { write(path: string, content: object): void }, stageDir: string, image: string): Promise<void> {
  const imageId = (await new Docker().getImage(image).inspect()).Id;
  workspace.write(`${stageDir}/stage.lock.json`, { base: { image, imageId } });
}

/** Pushes a local tag to its registry through the Engine (the specs' stand-in for `docker push`). */
export async function pushImage(ref: string): Promise<void> {
  const docker = new Docker();
  const stream = await docker.getImage(ref).push({ authconfig: {} });
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
      const failed = events?.find((event) => event.error);
      if (error || failed) reject(error ?? new Error(`push ${ref}: ${failed!.error}`));
      else resolve();
    }),
  );
}
