import { validRange } from 'semver';

/**
 * What a stage's `source.rev` asks for, read without asking any repository:
 *
 * - `commit`: 40 hex digits, exact;
 * - `tag`: `tag:NAME`, exact;
 * - `branch`: `branch:NAME`, floating;
 * - `range`: `semver:RANGE`, or an unprefixed value written with range syntax
 *   (an operator `^ ~ < > = |`, a space, or an `x`/`*` part: `^1.2`, `>=1.4 <2`, `1.x`), floating;
 * - `name`: anything else (`main`, `v1.2.3`, `1.2`): a tag when the repository
 *   has a tag of that name, else a branch, the order git itself follows.
 */
export type Rev =
  | { kind: 'commit'; commit: string }
  | { kind: 'tag'; name: string }
  | { kind: 'branch'; name: string }
  | { kind: 'range'; range: string }
  | { kind: 'name'; name: string };

const FULL_COMMIT = /^[0-9a-fA-F]{40}$/;
const RANGE_SYNTAX = /[\^~<>=|\s]|(^|[.v])[xX*](?=$|[.\s])/;

export function parseRev(rev: string): Rev {
  const prefixed = /^(tag|branch|semver):(.*)$/s.exec(rev);
  if (prefixed) {
    const [, prefix, value] = prefixed;
    if (!value.trim()) throw new Error(`'${rev}' names no ${prefix}: write ${prefix}:<value>`);
    if (prefix === 'tag') return { kind: 'tag', name: value };
    if (prefix === 'branch') return { kind: 'branch', name: value };
    if (!validRange(value)) throw new Error(`'${value}' is not a semver range (e.g. ^1.2.0, ~2.1, >=1.4 <2)`);
    return { kind: 'range', range: value };
  }
  if (FULL_COMMIT.test(rev)) return { kind: 'commit', commit: rev.toLowerCase() };
  if (RANGE_SYNTAX.test(rev)) {
    if (!validRange(rev)) throw new Error(`'${rev}' looks like a semver range but is not one; for a branch or tag of that name write branch:${rev} or tag:${rev}`);
    return { kind: 'range', range: rev };
  }
  return { kind: 'name', name: rev };
}

export function describeRev(rev: Rev): string {
  switch (rev.kind) {
    case 'commit':
      return `commit ${rev.commit}`;
    case 'tag':
      return `tag ${rev.name}`;
    case 'branch':
      return `branch ${rev.name}`;
    case 'range':
      return `semver range ${rev.range}`;
    case 'name':
      return `'${rev.name}'`;
  }
}
