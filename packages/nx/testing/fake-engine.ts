import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildRequest, BuildResult } from '../src/docker/build';
import type { StageEngine } from '../src/docker/stage-engine';
import { PlatformMismatchError } from '../src/docker/image-platform';
import * as tar from 'tar-stream';

/** An Engine that keeps images in a map and builds by recording the request. */
export class FakeEngine implements StageEngine {
  images = new Map<string, string>();
  builds: BuildRequest[] = [];
  removed: string[] = [];
  failing = new Set<string>();
  /** Stages whose next cached build comes out for another platform, as the legacy builder's cache can give. */
  wrongPlatformOnce = new Set<string>();
  reachable = true;
  /** Lines each build prints. */
  output: string[] = [];
  /** How long each build takes, so that concurrent builds overlap; the request's signal ends it early, as the Engine does. */
  buildMs = 0;
  /** Each build's context: the tag, and every file's path and content. */
  contexts: Array<{ tag: string; files: Map<string, string> }> = [];
  /** Called as each build starts. */
  onBuildStarted: (request: BuildRequest) => void = () => undefined;
  /** Builds running now, and the most that ever ran at once. */
  inFlight = 0;
  maxInFlight = 0;
  /** Each readFiles call: the image and the directory. */
  reads: Array<{ image: string; destDir: string }> = [];
  private next = 0;

  async ensureReachable() {
    if (!this.reachable) throw new Error('cannot reach the Docker Engine at unix:///fake.sock: start it');
  }
  async localImages() {
    return new Map(this.images);
  }
  async imageIdOf(ref: string) {
    return this.images.get(ref);
  }
  async imagesOf(tags: string[]) {
    return new Map(tags.flatMap((tag) => (this.images.has(tag) ? [[tag, this.images.get(tag)!] as const] : [])));
  }
  async build(request: BuildRequest): Promise<BuildResult> {
    this.builds.push(request);
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    this.onBuildStarted(request);
    // As the Engine does: the whole context is read, and a context that fails to pack fails the build.
    this.contexts.push({ tag: request.tag, files: await filesOf(request.context) });
    try {
      if (this.buildMs) await abortableDelay(this.buildMs, request.signal);
    } finally {
      this.inFlight--;
    }
    for (const line of this.output) request.onLine(line);
    const stage = request.tag.replace(/^fake-/, '').replace(/:.*$/, '');
    if (this.failing.has(stage)) throw new Error(`Step 2/3 : RUN make failed in ${stage}`);
    if (this.wrongPlatformOnce.delete(stage) && !request.noCache) throw new PlatformMismatchError(request.tag, request.platform!, 'linux/arm64');
    const imageId = `sha256:${String(++this.next).padStart(64, '0')}`;
    this.images.set(request.tag, imageId);
    return { imageId, durationMs: 1 };
  }
  async removeImage(id: string) {
    this.removed.push(id);
  }
  async pull(ref: string): Promise<string> {
    throw new Error(`no registry in this fake: ${ref}`);
  }
  async push(ref: string) {
    throw new Error(`no registry in this fake: ${ref}`);
  }
  async tag(image: string, ref: string) {
    this.images.set(ref, image);
  }
  /** Writes one file per glob, named after the image's stage, holding the image's tag. */
  async readFiles(image: string, globs: string[], destDir: string): Promise<string[]> {
    if (!this.images.has(image)) throw new Error(`no such image: ${image}`);
    this.reads.push({ image, destDir });
    mkdirSync(destDir, { recursive: true });
    const stage = image.replace(/^fake-/, '').replace(/:.*$/, '');
    const names = globs.map((_, index) => `${stage}-${index}.pkg`);
    for (const name of names) writeFileSync(join(destDir, name), image);
    return names;
  }
}


function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = () => {
      clearTimeout(timer);
      reject(new Error('the build was cancelled'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', cancelled);
      resolve();
    }, ms);
    if (signal?.aborted) cancelled();
    signal?.addEventListener('abort', cancelled, { once: true });
  });
}

function filesOf(context: NodeJS.ReadableStream): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const files = new Map<string, string>();
    const extract = tar.extract();
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk) => chunks.push(chunk as Buffer));
      stream.on('end', () => {
        if (header.type === 'file') files.set(header.name, Buffer.concat(chunks).toString('utf8'));
        next();
      });
    });
    extract.on('finish', () => resolve(files));
    extract.on('error', reject);
    context.on('error', reject);
    context.pipe(extract);
  });
}
