import type Docker from 'dockerode';
import type { BuildRequest, BuildResult } from './build';
import type { Builder, BuilderChoice } from './builder';
import type { EngineRegistryAuth } from './registry-transfer';
import type { ImageFacts } from './image-output';
import type { OutputEntry, OwnFilesystem } from '../equivalence/output-hash';
import { engineRequest } from '../util/request-pools';

/**
 * What ensuring stages asks of a Docker Engine: ensureStage and the batch run
 * reach the Engine only through this interface. dockerEngine() is the real
 * one; unit specs pass a fake. (The run target's container goes through
 * docker/run-container directly.)
 */
export interface StageEngine {
  /** Resolves when the Engine answers; rejects with a message naming the Engine and the fix. */
  ensureReachable(): Promise<void>;
  /** Every local tag with the id of its image, from one listing. */
  localImages(): Promise<Map<string, string>>;
  /** The id of the local image a tag or id names, or undefined when there is none. */
  imageIdOf(ref: string): Promise<string | undefined>;
  /** The given tags that are local, with the id of each image: one look-up per tag, all at once. */
  imagesOf(tags: string[]): Promise<Map<string, string>>;
  /** Builds (with the builder the engine was made with) and tags only when the build succeeded. */
  build(request: Omit<BuildRequest, 'builder'>): Promise<BuildResult>;
  /** A plain remove: an image with other tags, children or containers stays. */
  removeImage(id: string): Promise<void>;
  /** Pulls a reference (credentials in X-Registry-Auth) and returns the image id; tags nothing unless every layer arrived. */
  pull(ref: string, auth?: EngineRegistryAuth): Promise<string>;
  /** Pushes a local tag to its registry; rejects with what the registry said. */
  push(ref: string, auth?: EngineRegistryAuth): Promise<void>;
  /** Adds a tag to a local image. */
  tag(image: string, ref: string): Promise<void>;
  /** Copies the image's files matching the absolute globs into destDir without running it (see docker/archive); returns their names. */
  readFiles(image: string, globs: string[], destDir: string): Promise<string[]>;
  /** What the output hash reads of images (see docker/image-output); an Engine without it gets no equivalence. */
  outputs?: ImageOutputReader;
}

/** Reads images for their output hash, as streams. */
export interface ImageOutputReader {
  facts(ref: string): Promise<ImageFacts | undefined>;
  /** The layers above the first `baseLayers`, stacked. */
  ownFilesystem(image: ImageFacts, baseLayers: number): Promise<OwnFilesystem>;
  /** The entries under each path of the image (undefined: absent). */
  pathEntries(image: string, paths: string[]): Promise<Array<{ path: string; entries: OutputEntry[] | undefined }>>;
}

/**
 * The real Engine, through dockerode. Build modules load on the first build, so
 * a no-op run never pays for them; the builder is chosen then, once.
 */
export function dockerEngine(docker: Docker, builderChoice: BuilderChoice = 'auto'): StageEngine {
  let builder: Promise<Builder> | undefined;
  const imageIdOf = async (ref: string): Promise<string | undefined> => {
    try {
      return (await docker.getImage(ref).inspect()).Id;
    } catch {
      return undefined;
    }
  };
  return {
    async ensureReachable() {
      const { ensureEngineReachable } = await import('./engine');
      await ensureEngineReachable(docker);
    },
    async localImages() {
      const { listLocalImages } = await import('./images');
      return listLocalImages(docker);
    },
    imageIdOf,
    async imagesOf(tags) {
      const ids = await Promise.all(tags.map((tag) => engineRequest(() => imageIdOf(tag))));
      return new Map(tags.flatMap((tag, index) => (ids[index] ? [[tag, ids[index]] as const] : [])));
    },
    async build(request) {
      const { buildImage } = await import('./build');
      const { resolveBuilder } = await import('./builder');
      builder ??= resolveBuilder(docker, builderChoice);
      return buildImage(docker, { ...request, builder: await builder });
    },
    async removeImage(id) {
      await docker
        .getImage(id)
        .remove()
        .catch(() => undefined);
    },
    async pull(ref, auth) {
      const { pullImage } = await import('./registry-transfer');
      return pullImage(docker, ref, auth);
    },
    async push(ref, auth) {
      const { pushImage } = await import('./registry-transfer');
      await pushImage(docker, ref, auth);
    },
    async tag(image, ref) {
      const { tagImage } = await import('./registry-transfer');
      await tagImage(docker, image, ref);
    },
    async readFiles(image, globs, destDir) {
      const { readFilesFromImage } = await import('./archive');
      return readFilesFromImage(docker, image, globs, destDir);
    },
    outputs: {
      async facts(ref) {
        return (await import('./image-output')).inspectImageFacts(docker, ref);
      },
      async ownFilesystem(image, baseLayers) {
        return (await import('./image-output')).readOwnFilesystem(docker, image, baseLayers);
      },
      async pathEntries(image, paths) {
        return (await import('./image-output')).readPathEntries(docker, image, paths);
      },
    },
  };
}
