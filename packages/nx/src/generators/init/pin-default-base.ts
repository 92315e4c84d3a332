/** init's part in pinning: the stages that build on the default base it sets get that base pinned. */
import type { Tree } from '@nx/devkit';
import { posix } from 'node:path';
import { STAGE_FILE_NAME } from '../../stage/definition-files';
import { resolveExternalBases, writeBasePin } from '../shared/pin-base';
import { workspaceStages } from '../shared/workspace-stages';
import { isExternalImage, namesTagOrDigest } from '../../stage/external-images';

/**
 * When defaultBase is an external image, resolves it (before init writes
 * anything) and returns the writes that pin it into each stage that has no
 * `from` of its own. A workspace with no such stage needs no resolution: the
 * stage generator pins the default base into each stage it writes.
 */
export async function defaultBasePins(tree: Tree, defaultBase: string | undefined): Promise<() => void> {
  const stages = workspaceStages(tree).byName;
  if (defaultBase === undefined || !isExternalImage(defaultBase, (name) => stages.has(name)) || !namesTagOrDigest(defaultBase)) return () => undefined;
  const users = [...stages].flatMap(([name, file]) =>
    posix.basename(file) === STAGE_FILE_NAME && buildsOnDefaultBase(tree, file) ? [{ name, dir: posix.dirname(file) }] : [],
  );
  const pins = await resolveExternalBases(users.map((user) => ({ image: defaultBase, stage: user.name })));
  return () => {
    for (const user of users) writeBasePin(tree, user.dir, pins.get(defaultBase));
  };
}

function buildsOnDefaultBase(tree: Tree, stageFile: string): boolean {
  try {
    const document = JSON.parse(tree.read(stageFile, 'utf8') ?? '') as { from?: unknown; build?: { type?: unknown } };
    return document.from === undefined && document.build?.type !== 'dockerfile';
  } catch {
    return false;
  }
}
