/** Parsing the WWW-Authenticate challenge of a registry's 401 answer. */

export interface AuthChallenge {
  /** "basic" or "bearer" (lower case). */
  scheme: string;
  /** realm, service, scope, error, ... */
  params: Record<string, string>;
}

/**
 * The challenges of a WWW-Authenticate header (RFC 7235): `Bearer realm="https://auth",service="reg",scope="..."`
 * or `Basic realm="Registry"`. Quoted values may hold commas and escaped quotes.
 */
export function parseChallenges(header: string | null | undefined): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  if (!header) return challenges;
  const token = /\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)/y;
  const param = /\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/y;
  let at = 0;
  while (at < header.length) {
    token.lastIndex = at;
    const scheme = token.exec(header);
    if (!scheme) break;
    at = token.lastIndex;
    const params: Record<string, string> = {};
    for (;;) {
      param.lastIndex = at;
      const match = param.exec(header);
      // A bare word after a comma starts the next challenge.
      if (!match) break;
      params[match[1].toLowerCase()] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3];
      at = param.lastIndex;
    }
    challenges.push({ scheme: scheme[1].toLowerCase(), params });
    while (at < header.length && /[\s,]/.test(header[at])) at++;
  }
  return challenges;
}

/** The URL of the next page from a Link header (`</v2/x/tags/list?n=100&last=b>; rel="next"`), resolved against base. */
export function nextPageUrl(link: string | null | undefined, base: string): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (match && /rel="?next"?/.test(match[2])) return new URL(match[1], base).toString();
  }
  return undefined;
}
