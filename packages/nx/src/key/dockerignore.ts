import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import dockerignore from '@balena/dockerignore';

export const DOCKERIGNORE = '.dockerignore';

/**
 * The files of a build-context directory that Docker would send: those its
 * .dockerignore (with Docker's own pattern rules) does not exclude. Paths are
 * relative to `dir`. The .dockerignore file itself stays, as with `docker build`.
 */
export function followDockerignore(workspaceRoot: string, dir: string, files: string[]): string[] {
  const patterns = readDockerignore(workspaceRoot, dir);
  if (patterns === undefined) return files;
  const rules = dockerignore().add(patterns);
  return files.filter((file) => file === DOCKERIGNORE || !rules.ignores(file));
}

function readDockerignore(workspaceRoot: string, dir: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(join(workspaceRoot, posix.join(dir, DOCKERIGNORE)), 'utf8');
  } catch {
    return undefined;
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}
