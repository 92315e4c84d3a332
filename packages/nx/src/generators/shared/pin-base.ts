/**
 * Pinning the external bases a generator writes, as it writes them (`stage`,
 * `import`, `init`), with the lock generator's resolution: the digest the
 * registry serves, else the local Engine's image id.
 */
import type { Tree } from '@nx/devkit';
import { posix } from 'node:path';
import type { BasePin } from '../../stage/base-pin';
import { ImageRef } from '../../registry/reference';
import { lockCommand } from '../../identity/commands';
import { resolveBases } from '../../lock/base-pinner';
import { PIN_FILE_NAME, formatPins, parsePins } from '../../stage/pins';

/** An external base a generator is about to write, and the stage it is for. */
export interface BaseToPin {
  image: string;
  stage: string;
}

/**
 * Resolves every base before anything is written (a base that already names a
 * digest needs no pin). Throws one error naming each image that cannot be
 * resolved, so the generator writes nothing.
 */
export async function resolveExternalBases(bases: BaseToPin[]): Promise<Map<string, BasePin>> {
  const wanted = bases.filter((base) => !ImageRef.parse(base.image).digest);
  if (!wanted.length) return new Map();
  const resolved = await resolveBases(wanted.map((base) => base.image));
  const problems = wanted.flatMap(({ image, stage }) => {
    const outcome = resolved.get(image);
    if (!(outcome instanceof Error)) return [];
    return [`${outcome.message}; then run this generator again (it pins the base as it writes stage '${stage}'; ${lockCommand(stage, true)} moves that pin later)`];
  });
  if (problems.length) throw new Error(`nothing was written: ${[...new Set(problems)].join('\n  ')}`);
  return new Map([...resolved].map(([image, pin]) => [image, pin as BasePin]));
}

/**
 * The FROM a Dockerfile gets for an external base: `image@digest` when its
 * registry serves a digest. A local-only image stays by name (a Dockerfile
 * cannot name an image id), as does one that needs no pin.
 */
export function dockerfileBaseRef(image: string, pins: ReadonlyMap<string, BasePin>): string {
  const digest = pins.get(image)?.digest;
  return digest ? `${image}@${digest}` : image;
}

/** Writes the base pin into the stage directory's stage.lock.json, keeping the pins already there. */
export function writeBasePin(tree: Tree, stageDir: string, pin: BasePin | undefined): void {
  if (!pin) return;
  const file = posix.join(stageDir, PIN_FILE_NAME);
  const existing = tree.read(file, 'utf8');
  const pins = existing === null ? {} : parsePins(existing, file);
  tree.write(file, formatPins({ ...pins, base: pin }));
}
