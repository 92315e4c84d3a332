import { posix } from 'node:path';
import { PIN_FILE_NAME, type StagePins } from '../stage/pins';
import type { Stage } from '../stage/types';
import type { Pinner, PinnerContext, PinRequest } from './pinner';
import { basePinner } from './base-pinner';
import { sourcePinner } from './source-pinner';
import { imagesPinner } from './images-pinner';

/** Any pinner: each has its own request and pin types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyPinner = Pinner<any, any>;

/** Every kind of pin the lock writes, each in its own field of stage.lock.json. */
export const PINNERS: AnyPinner[] = [sourcePinner, basePinner, imagesPinner];

export interface LockOptions {
  /** Re-resolve every floating rev and move pins the remote has moved (else only missing or stale pins are resolved). */
  update?: boolean;
}

/** One stage's pin file as it is and as the lock would write it. */
export interface PinFileChange {
  stage: string;
  /** The pin file, relative to the workspace root. */
  file: string;
  before: StagePins | undefined;
  /** undefined: the file should not exist (nothing of the stage floats). */
  after: StagePins | undefined;
  /** What moved, one line each, for the output. */
  moves: string[];
}

export interface LockPlan {
  changes: PinFileChange[];
  /** Every stage's problems (unreachable remote, missing branch, unsatisfied range), reported together. */
  errors: Error[];
}

/**
 * Works out the pin file of every given stage. Nothing is written here, and
 * each remote is asked at most once per pinner, all remotes at once.
 */
export async function planLock(
  stages: Stage[],
  context: PinnerContext,
  options: LockOptions,
  pinners: AnyPinner[] = PINNERS,
): Promise<LockPlan> {
  const errors: Error[] = [];
  const after = new Map<string, StagePins>(stages.map((stage) => [stage.name, {}]));
  const moves = new Map<string, string[]>(stages.map((stage) => [stage.name, []]));

  for (const pinner of pinners) {
    const toResolve: Array<PinRequest<unknown>> = [];
    for (const stage of stages) {
      let want: unknown;
      try {
        want = pinner.request(stage, context);
      } catch (error) {
        errors.push(error as Error);
        continue;
      }
      if (want === undefined) continue;
      const current = stage.pins?.[pinner.field];
      if (current && !options.update && pinner.answers(want, current)) (after.get(stage.name)! as Record<string, unknown>)[pinner.field] = current;
      else toResolve.push({ stage, want });
    }
    const outcomes = toResolve.length ? await pinner.resolve(toResolve, context) : [];
    outcomes.forEach((outcome, index) => {
      const stage = toResolve[index].stage;
      if (outcome instanceof Error) return errors.push(outcome);
      if (outcome === null) return;
      (after.get(stage.name)! as Record<string, unknown>)[pinner.field] = outcome;
    });
    for (const stage of stages) {
      const before = stage.pins?.[pinner.field];
      const now = after.get(stage.name)![pinner.field];
      if (before && now && pinner.same(before, now)) continue;
      if (!before && !now) continue;
      const what = !before ? `pin ${pinner.describe(now)}` : !now ? `drop pin ${pinner.describe(before)}` : `move ${pinner.describe(before)} => ${pinner.describe(now)}`;
      moves.get(stage.name)!.push(`${pinner.field}: ${what}`);
    }
  }

  const changes = stages
    .filter((stage) => moves.get(stage.name)!.length)
    .map((stage): PinFileChange => {
      const pins = after.get(stage.name)!;
      return {
        stage: stage.name,
        file: posix.join(stage.root, PIN_FILE_NAME),
        before: stage.pins,
        after: Object.keys(pins).length ? pins : undefined,
        moves: moves.get(stage.name)!,
      };
    });
  return { changes, errors };
}
