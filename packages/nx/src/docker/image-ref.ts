/** Splitting an image reference into the repository and tag the Engine's tag call wants. */

export interface ImageRef {
  /** [registry[:port]/]path, e.g. 127.0.0.1:5000/stagecraft-zlib */
  repo: string;
  tag: string;
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])(?:\.(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]))*(?::[0-9]+)?$/;

/**
 * `name:tag`, `registry:5000/name:tag` or `name` (tag "latest"). The tag is
 * after the last colon that follows the last slash, so a registry port is never
 * mistaken for a tag. Digest references cannot be tagged and are rejected.
 */
export function parseImageRef(ref: string): ImageRef {
  const invalid = (why: string) => new Error(`invalid image reference "${ref}": ${why}`);
  if (ref.includes('@')) throw invalid('a digest reference cannot be used as a tag');
  const lastSlash = ref.lastIndexOf('/');
  const lastColon = ref.lastIndexOf(':');
  const hasTag = lastColon > lastSlash;
  const repo = hasTag ? ref.slice(0, lastColon) : ref;
  const tag = hasTag ? ref.slice(lastColon + 1) : 'latest';
  if (!TAG.test(tag)) throw invalid(`tag "${tag}" must be 1 to 128 of [A-Za-z0-9_.-], not starting with "." or "-"`);
  const components = repo.split('/');
  const hasDomain = components.length > 1 && /[.:]|^localhost$/.test(components[0]);
  if (hasDomain && !DOMAIN.test(components[0])) throw invalid(`registry "${components[0]}" is not a host[:port]`);
  const pathComponents = hasDomain ? components.slice(1) : components;
  const badComponent = pathComponents.find((component) => !PATH_COMPONENT.test(component));
  if (badComponent !== undefined) {
    throw invalid(`repository component "${badComponent}" must be lowercase letters and digits separated by ".", "_", "__" or "-"`);
  }
  return { repo, tag };
}
