/**
 * A small matcher for absolute paths inside an image: `*` and `?` match within
 * one path segment (dot files included), `**` as a whole segment matches zero or
 * more segments. Every other character is literal.
 */

const WILDCARD = /[*?]/;

export function compileGlob(glob: string): RegExp {
  assertAbsoluteGlob(glob);
  const segments = glob.slice(1).split('/');
  let pattern = '^';
  segments.forEach((segment, index) => {
    const isLast = index === segments.length - 1;
    if (segment === '**') {
      pattern += isLast ? '/.*' : '(?:/[^/]+)*';
      return;
    }
    pattern += '/' + segmentPattern(segment);
  });
  return new RegExp(pattern + '$');
}

/** The deepest directory of the glob that holds no wildcard: where matching files can be. */
export function globBaseDir(glob: string): string {
  assertAbsoluteGlob(glob);
  const segments = glob.slice(1).split('/');
  const firstWild = segments.findIndex((segment) => WILDCARD.test(segment));
  const fixed = firstWild === -1 ? segments.slice(0, -1) : segments.slice(0, firstWild);
  return '/' + fixed.join('/');
}

function segmentPattern(segment: string): string {
  let out = '';
  for (const char of segment) {
    if (char === '*') out += '[^/]*';
    else if (char === '?') out += '[^/]';
    else out += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}

function assertAbsoluteGlob(glob: string): void {
  if (!glob.startsWith('/') || glob.length < 2 || glob.endsWith('/') || glob.includes('//')) {
    throw new Error(`glob "${glob}" must be an absolute path to files inside the image, e.g. /out/*.deb`);
  }
  if (glob.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new Error(`glob "${glob}" must not contain "." or ".." segments`);
  }
}
