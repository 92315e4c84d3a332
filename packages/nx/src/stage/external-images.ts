/**
 * The one owner of "is this an external image?": what a stage names that is
 * neither another stage nor scratch. Every caller (the graph, the planner,
 * the lock, the plugin's targets, the generators) asks here.
 */
import { parseDockerfileRefs, type DockerfileRefKind } from '../dockerfile/dockerfile-refs';
import type { Stage } from './types';

/** How a stage uses an external image: its stage.json base, or a Dockerfile's FROM, COPY --from, RUN --mount=from or `# syntax`. */
export type ExternalImageKind = 'base' | DockerfileRefKind;

export interface ExternalImageUse {
  /** The reference as written (a Dockerfile's with its global ARGs expanded). */
  image: string;
  kind: ExternalImageKind;
  /** Where it is written: the file, and a JSON pointer or `line N`. */
  file: string;
  where: string;
}

/** Names a tag or a digest: what a stage.json base must do, so that a typo of a stage name is never taken for an image. */
const TAGGED_IMAGE = /(?:^|\/)[^/]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*|@sha256:[0-9a-f]{64})$/;

/**
 * The rule: a reference is an external image when it is not scratch, not a
 * stage of the workspace, and not left to be computed (an unexpanded `$`).
 */
export function isExternalImage(ref: string, isStage: (name: string) => boolean): boolean {
  return ref !== '' && !ref.includes('$') && ref.toLowerCase() !== 'scratch' && !isStage(ref);
}

/** Whether a reference names a tag or a digest (stage names never hold ':' or '@'). */
export function namesTagOrDigest(ref: string): boolean {
  return TAGGED_IMAGE.test(ref);
}

/**
 * Every external image a stage builds with, once per image, in the order it
 * names them. `isStage` tells the workspace's stage names; a stage never
 * counts as its own upstream, so a Dockerfile's `FROM nginx` in stage nginx
 * is the image.
 */
export function externalImagesOf(stage: Stage, defaultBase: string | undefined, isStage: (name: string) => boolean, platform?: string): ExternalImageUse[] {
  const other = (name: string) => name !== stage.name && isStage(name);
  if (stage.build.type === 'dockerfile') {
    const file = stage.dockerfilePath ?? stage.root;
    const uses = parseDockerfileRefs(stage.dockerfile ?? '', { buildArgs: stage.build.args, platform })
      .filter((ref) => isExternalImage(ref.name, other))
      .map((ref): ExternalImageUse => ({ image: ref.name, kind: ref.kind, file, where: `line ${ref.line}` }));
    return uses.filter((use, index) => uses.findIndex((first) => first.image === use.image) === index);
  }
  const base = stage.from ?? defaultBase;
  if (base === undefined || base === stage.name || !isExternalImage(base, other) || !namesTagOrDigest(base)) return [];
  return [{ image: base, kind: 'base', file: stage.stageFile ?? stage.root, where: stage.from === undefined ? '/from (defaultBase)' : '/from' }];
}
