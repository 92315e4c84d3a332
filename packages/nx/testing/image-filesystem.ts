import Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import * as tar from 'tar-stream';

/**
 * `docker build` of a directory as the docker CLI does it with BuildKit (the
 * whole directory, .dockerignore applied by dockerode, --build-arg values), through the Engine API.
 * BuildKit leaves no untagged images of the Dockerfile's other stages behind.
 * Resolves when the image is tagged; rejects with the build's error.
 */
export async function dockerBuildDirectory(docker: Docker, dir: string, tag: string, buildArgs: Record<string, string> = {}): Promise<void> {
  const stream = await docker.buildImage({ context: dir, src: filesUnder(dir) }, { t: tag, networkmode: 'none', version: '2', buildargs: buildArgs });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, output: Array<{ error?: string }>) => {
      const failed = output?.find((event) => event.error);
      if (error || failed) reject(error ?? new Error(`docker build of ${dir} failed: ${failed!.error}`));
      else resolve();
    });
  });
}

function filesUnder(dir: string, relative = ''): string[] {
  return readdirSync(join(dir, relative)).flatMap((entry) => {
    const path = posix.join(relative, entry);
    return statSync(join(dir, path)).isDirectory() ? filesUnder(dir, path) : [path];
  });
}

/** What a comparison of two images looks at: each path of the exported filesystem, and the config. */
export interface ImageContents {
  /** path -> 'dir', 'file <sha256>' or 'link <target>' */
  files: Record<string, string>;
  env: string[];
  workingDir: string;
  user: string;
  entrypoint: string[] | null;
  cmd: string[] | null;
}

/** Exports the filesystem of an image through a container that is created, never started, and then removed. */
export async function imageContents(docker: Docker, image: string): Promise<ImageContents> {
  const config = (await docker.getImage(image).inspect()).Config;
  const container = await docker.createContainer({ Image: image, Cmd: ['/bin/true'], NetworkDisabled: true });
  try {
    const files: Record<string, string> = {};
    const extract = tar.extract();
    extract.on('entry', (header, stream, next) => {
      const path = `/${header.name.replace(/^\.?\/*/, '').replace(/\/+$/, '')}`;
      const hash = createHash('sha256');
      stream.on('data', (chunk) => void hash.update(chunk as Buffer));
      stream.on('end', () => {
        if (header.type === 'directory') files[path] = 'dir';
        else if (header.type === 'symlink' || header.type === 'link') files[path] = `link ${header.linkname}`;
        else files[path] = `file ${hash.digest('hex')}`;
        next();
      });
      stream.resume();
    });
    const exported = await container.export();
    await new Promise<void>((resolve, reject) => {
      extract.on('finish', resolve);
      extract.on('error', reject);
      exported.on('error', reject);
      exported.pipe(extract);
    });
    return {
      files,
      env: config.Env ?? [],
      workingDir: config.WorkingDir ?? '',
      user: config.User ?? '',
      entrypoint: (config.Entrypoint as string[] | null) ?? null,
      cmd: (config.Cmd as string[] | null) ?? null,
    };
  } finally {
    await container.remove({ force: true });
  }
}
