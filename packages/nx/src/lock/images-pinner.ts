import type { BasePin } from '../stage/base-pin';
import { describeBasePin } from '../stage/base-pin';
import { ImageRef } from '../registry/reference';
import type { Pinner } from './pinner';
import { externalImageUses, resolveBases } from './base-pinner';

interface ImagesWant {
  /** The images to pin, as the Dockerfile writes them, sorted. */
  images: string[];
  /** Where each is written, for messages. */
  where: Record<string, string>;
}

/**
 * Pins a Dockerfile stage's external images (FROM, COPY --from, RUN
 * --mount=from and the `# syntax` frontend) like bases: the digest the
 * registry serves, else the local Engine's image id. An image written with
 * its digest needs no pin.
 */
export const imagesPinner: Pinner<ImagesWant, BasePin[]> = {
  field: 'images',

  request(stage, context) {
    const uses = externalImageUses(stage, context).filter((use) => use.kind !== 'base' && !ImageRef.parse(use.image).digest);
    if (!uses.length) return undefined;
    return { images: uses.map((use) => use.image).sort(), where: Object.fromEntries(uses.map((use) => [use.image, `${use.file} at ${use.where}`])) };
  },

  answers(want, pins) {
    return pins.length === want.images.length && want.images.every((image) => pins.some((pin) => pin.image === image));
  },

  async resolve(requests) {
    const resolved = await resolveBases(requests.flatMap((request) => request.want.images));
    return requests.map(({ want }) => {
      const failures = want.images.flatMap((image) => {
        const outcome = resolved.get(image)!;
        return outcome instanceof Error ? [`${want.where[image]}: ${outcome.message}`] : [];
      });
      if (failures.length) return new Error(failures.join('\n  '));
      return want.images.map((image) => resolved.get(image) as BasePin);
    });
  },

  same(a, b) {
    const key = (pins: BasePin[]) => JSON.stringify([...pins].sort((x, y) => (x.image < y.image ? -1 : 1)).map((pin) => [pin.image, pin.digest, pin.imageId]));
    return key(a) === key(b);
  },

  describe(pins) {
    return pins.map(describeBasePin).join(', ');
  },
};
