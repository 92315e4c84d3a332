/** Copying files out of an image, without running it. */
import Docker from 'dockerode';
import { randomBytes } from 'crypto';
import { createWriteStream, promises as fs } from 'fs';
import { basename, join, posix } from 'path';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import * as tar from 'tar-stream';
import { compileGlob, globBaseDir } from './glob';
import { isNotFound } from './images';

/**
 * Copies the regular files of `image` that match the absolute globs (see
 * glob.ts) into destDir, flat, under their base names. Throws, writing
 * nothing, when a glob matches no file or two matches share a base name.
 * Returns the names written, sorted.
 */
export async function readFilesFromImage(docker: Docker, image: string, globs: string[], destDir: string): Promise<string[]> {
  const matchers = globs.map((glob) => ({ glob, regexp: compileGlob(glob), baseDir: globBaseDir(glob) }));
  await fs.mkdir(destDir, { recursive: true });
  const container = await docker.createContainer({
    Image: image,
    Cmd: ['true'],
    NetworkDisabled: true,
    Labels: { 'dev.stagecraft.purpose': 'read-files' },
  });
  const written = new Map<string, string>(); // base name -> path in the image
  const matched = new Set<string>();
  try {
    for (const baseDir of new Set(matchers.map((m) => m.baseDir))) {
      const wanted = matchers.filter((m) => m.baseDir === baseDir);
      const archive = await getArchiveOrNothing(container, baseDir);
      if (!archive) continue;
      await extractMatches(archive, baseDir, (path) => {
        const hits = wanted.filter((m) => m.regexp.test(path));
        hits.forEach((m) => matched.add(m.glob));
        return hits.length > 0;
      }, destDir, written);
    }
    const unmatched = globs.find((glob) => !matched.has(glob));
    if (unmatched) throw new Error(`no regular file in image ${image} matches ${unmatched}`);
    return [...written.keys()].sort();
  } catch (err) {
    await Promise.all([...written.keys()].map((name) => fs.rm(join(destDir, name), { force: true })));
    throw err;
  } finally {
    await container.remove({ force: true, v: true });
  }
}

async function getArchiveOrNothing(container: Docker.Container, path: string): Promise<NodeJS.ReadableStream | undefined> {
  try {
    return await container.getArchive({ path });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function extractMatches(
  archive: NodeJS.ReadableStream,
  baseDir: string,
  wants: (path: string) => boolean,
  destDir: string,
  written: Map<string, string>,
): Promise<void> {
  // The archive names entries after the last component of the requested path: /out -> out/...
  const parentDir = posix.dirname(baseDir);
  const extract = tar.extract();
  const feeding = pipeline(archive as Readable, extract);
  // An error thrown below ends the pipeline early; the error worth reporting is that one.
  feeding.catch(() => undefined);
  const writtenFrom = new Map<string, string>(); // archive entry name -> file written
  for await (const entry of extract) {
    const { name, type, linkname, mode } = entry.header;
    const path = posix.join(parentDir, name.replace(/^\.\//, ''));
    const isFile = type === 'file' || type === 'contiguous-file';
    const isHardLinkToWritten = type === 'link' && writtenFrom.has(linkname);
    if (!(isFile || isHardLinkToWritten) || !wants(path)) {
      entry.resume();
      continue;
    }
    const destName = claimName(path, written);
    const target = join(destDir, destName);
    const temporary = join(destDir, `.${destName}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      if (isFile) {
        await pipeline(entry, createWriteStream(temporary, { mode: mode & 0o777 }));
      } else {
        entry.resume();
        await fs.copyFile(writtenFrom.get(linkname)!, temporary);
      }
      await fs.rename(temporary, target);
    } catch (err) {
      await fs.rm(temporary, { force: true });
      throw err;
    }
    writtenFrom.set(name, target);
  }
  await feeding;
}

function claimName(path: string, written: Map<string, string>): string {
  const name = basename(path);
  const earlier = written.get(name);
  if (earlier !== undefined && earlier !== path) {
    throw new Error(`${earlier} and ${path} would both be copied to ${name}`);
  }
  written.set(name, path);
  return name;
}
