import { explainKeyChange } from '../key/explain';
import type { KeyDocument } from '../key/key';

/**
 * Why a stage whose image is not there has to be built, in plain words: the
 * inputs that changed since its last build on this machine (the key document
 * KeyHistory kept), or that there was none.
 */
export function rebuildReasons(keyDocument: KeyDocument, lastBuilt: KeyDocument | undefined, forced = false): string[] {
  const reasons = forced ? ['forced (--force or STAGECRAFT_FORCE=1)'] : [];
  if (!lastBuilt) return [...reasons, 'no earlier build of this stage is recorded on this machine'];
  const changes = explainKeyChange(lastBuilt, keyDocument);
  if (changes.length === 0 && !forced) return ['the image of the last build is gone; no input changed'];
  return [...reasons, ...changes];
}
