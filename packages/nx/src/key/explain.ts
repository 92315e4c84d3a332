import type { HashedFile } from './files';
import type { KeyDocument } from './key';

/**
 * Which inputs of a stage changed between two key documents, in plain words
 * (SONiC's SHOW_WHY): files added, removed or changed, env values, upstream
 * keys, the Dockerfile, the source, the definition and the time bucket.
 */
export function explainKeyChange(before: KeyDocument, after: KeyDocument): string[] {
  const reasons: string[] = [];
  if (before.keyFormat !== after.keyFormat) reasons.push(`the key format changed (${before.keyFormat} -> ${after.keyFormat})`);
  if (before.bucket !== after.bucket) reasons.push(`the time bucket changed (${before.bucket || 'none'} -> ${after.bucket || 'none'})`);
  if (before.platform !== after.platform) reasons.push(`the platform changed (${before.platform} -> ${after.platform})`);
  if (JSON.stringify(before.definition) !== JSON.stringify(after.definition)) reasons.push('the stage definition (stage.json) changed');
  if (before.dockerfile !== after.dockerfile) reasons.push('the rendered Dockerfile changed');
  if (JSON.stringify(before.generated) !== JSON.stringify(after.generated)) reasons.push('a generated context file changed');
  if (JSON.stringify(before.source) !== JSON.stringify(after.source)) reasons.push(`the source changed (${describe(before.source)} -> ${describe(after.source)})`);
  if (before.contextTree !== after.contextTree && before.contextTree && after.contextTree) {
    reasons.push(`the git tree of the stage changed (${before.contextTree.slice(0, 12)} -> ${after.contextTree.slice(0, 12)})`);
  }
  reasons.push(...fileChanges('build context file', before.context, after.context));
  reasons.push(...fileChanges('input file', before.inputs, after.inputs));
  for (const name of union(before.env, after.env)) {
    if (before.env[name] !== after.env[name]) {
      reasons.push(`env ${name} changed (${describe(before.env[name])} -> ${describe(after.env[name])})`);
    }
  }
  for (const name of union(before.upstream, after.upstream)) {
    if (before.upstream[name] === after.upstream[name]) continue;
    if (!(name in before.upstream)) reasons.push(`upstream stage ${name} was added`);
    else if (!(name in after.upstream)) reasons.push(`upstream stage ${name} was removed`);
    else reasons.push(`upstream stage ${name} changed (key ${before.upstream[name].slice(0, 16)} -> ${after.upstream[name].slice(0, 16)})`);
  }
  return reasons;
}

function fileChanges(kind: string, before: HashedFile[] = [], after: HashedFile[] = []): string[] {
  const old = new Map(before.map((file) => [file.path, file]));
  const now = new Map(after.map((file) => [file.path, file]));
  const reasons: string[] = [];
  for (const [path, file] of now) {
    const previous = old.get(path);
    if (!previous) reasons.push(`${kind} ${path} was added`);
    else if (previous.sha256 !== file.sha256) reasons.push(`${kind} ${path} changed`);
    else if (previous.mode !== file.mode) reasons.push(`${kind} ${path} changed mode (${previous.mode} -> ${file.mode})`);
  }
  for (const path of old.keys()) if (!now.has(path)) reasons.push(`${kind} ${path} was removed`);
  return reasons;
}

function union(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}

function describe(value: unknown): string {
  return value === null || value === undefined ? 'unset' : JSON.stringify(value);
}
