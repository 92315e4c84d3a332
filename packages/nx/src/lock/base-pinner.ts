import type Docker from 'dockerode';
import type { BasePin } from '../stage/base-pin';
import { describeBasePin } from '../stage/base-pin';
import { ImageRef } from '../registry/reference';
import { definingFile } from '../stage/definition-files';
import type { Pinner, PinnerContext } from './pinner';
import type { Stage } from '../stage/types';
import { externalImagesOf, type ExternalImageUse } from '../stage/external-images';

interface BaseWant {
  image: string;
}

/**
 * Pins every external base (stage.json's from, or the plugin option
 * defaultBase) to the digest its registry serves, asking once per image; an
 * image only the local Engine has is pinned to its image id.
 */
export const basePinner: Pinner<BaseWant, BasePin> = {
  field: 'base',

  request(stage, context) {
    const image = externalBaseImage(stage, context);
    return image === undefined || ImageRef.parse(image).digest ? undefined : { image };
  },

  answers(want, pin) {
    return pin.image === want.image;
  },

  async resolve(requests) {
    const resolved = await resolveBases(requests.map((request) => request.want.image));
    return requests.map(({ stage, want }) => {
      const outcome = resolved.get(want.image)!;
      return outcome instanceof Error ? new Error(`${definingFile(stage)} at /from: ${outcome.message}`) : outcome;
    });
  },

  same(a, b) {
    return a.image === b.image && a.digest === b.digest && a.imageId === b.imageId;
  },

  describe: describeBasePin,
};

/** The stage's external base as written, or undefined when it builds on a stage, on scratch, or is a Dockerfile stage. */
export function externalBaseImage(stage: Stage, context: PinnerContext): string | undefined {
  // A Dockerfile stage's images are the images pinner's (lock/images-pinner.ts): reading its Dockerfile here finds no base.
  if (stage.build.type === 'dockerfile') return undefined;
  return externalImageUses(stage, context).find((use) => use.kind === 'base')?.image;
}

/** The external images the stage uses, by the workspace's one rule. */
export function externalImageUses(stage: Stage, context: PinnerContext): ExternalImageUse[] {
  return externalImagesOf(stage, context.options.defaultBase, context.isStage ?? (() => false), context.options.platform);
}

/**
 * Pins each image once, all at once: the digest its registry serves, else the
 * local Engine's image id; an Error (naming the image) for one neither knows.
 */
export async function resolveBases(images: string[]): Promise<Map<string, BasePin | Error>> {
  const { resolveBase } = await import('../bases/resolve-base');
  const { RegistryClients } = await import('../registry/clients');
  const docker = await engine();
  const clients = new RegistryClients();
  const unique = [...new Set(images)];
  const outcomes = await Promise.all(unique.map((image) => resolveBase(image, docker, clients).catch((error: Error) => error)));
  return new Map(unique.map((image, index) => [image, outcomes[index]]));
}

async function engine(): Promise<Docker | undefined> {
  try {
    const { connectEngine } = await import('../docker/engine');
    return connectEngine();
  } catch {
    return undefined;
  }
}
