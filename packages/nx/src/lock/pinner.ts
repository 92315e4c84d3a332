import type { Stage, StagecraftOptions } from '../stage/types';
import type { StagePins } from '../stage/pins';

export type PinField = keyof StagePins;

/** What one stage asks one pinner for: `want` is pinner-specific (e.g. a rev of a repository). */
export interface PinRequest<Want> {
  stage: Stage;
  want: Want;
}

/** A resolved request: the pin to write, null when the stage needs no pin after all (a name that is a tag), or why it failed. */
export type PinOutcome<Pin> = Pin | null | Error;

/**
 * One kind of pin in stage.lock.json. The lock generator runs every pinner
 * over the selected stages; each owns one field of the pin file.
 */
export interface Pinner<Want, Pin> {
  readonly field: PinField;
  /** What the stage needs this pinner to pin, or undefined when nothing of it floats. Throws on a malformed value. */
  request(stage: Stage, context: PinnerContext): Want | undefined;
  /** Whether the pin in place still answers the request as written (same rev of the same repository), with no remote asked. */
  answers(want: Want, pin: Pin): boolean;
  /** Resolves every request at once, asking each remote once. One outcome per request, in order. */
  resolve(requests: Array<PinRequest<Want>>, context: PinnerContext): Promise<Array<PinOutcome<Pin>>>;
  /** Whether two pins say the same thing. */
  same(a: Pin, b: Pin): boolean;
  /** One line for a reviewer: what the pin is, e.g. "main -> 1a2b3c4d5e6f (refs/heads/main)". */
  describe(pin: Pin): string;
}

export interface PinnerContext {
  workspaceRoot: string;
  options: StagecraftOptions;
  /** Whether a name is a stage of the workspace (else a Dockerfile's untagged FROM is taken for an image). */
  isStage?: (name: string) => boolean;
}
