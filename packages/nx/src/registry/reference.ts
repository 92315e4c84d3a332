/** Where an image reference lives in a registry: its host, repository and tag or digest. */

export interface RegistryImageRef {
  /** host[:port]; Docker Hub is "docker.io". */
  registry: string;
  /** The repository path inside the registry: "acme-zlib", "library/debian". */
  repository: string;
  /** A tag or a "sha256:..." digest. */
  reference: string;
}

/**
 * Splits `host[:port]/path[:tag][@digest]` the way the Engine does: a first component with
 * a "." or ":" or "localhost" is a registry host, otherwise the image is on Docker Hub.
 */
export function parseRegistryRef(ref: string): RegistryImageRef {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const name = at >= 0 ? ref.slice(0, at) : ref;
  const lastSlash = name.lastIndexOf('/');
  const lastColon = name.lastIndexOf(':');
  const tag = lastColon > lastSlash ? name.slice(lastColon + 1) : undefined;
  const path = lastColon > lastSlash ? name.slice(0, lastColon) : name;
  const first = path.split('/')[0];
  const hasHost = path.includes('/') && (/[.:]/.test(first) || first === 'localhost');
  const registry = hasHost ? first : 'docker.io';
  let repository = hasHost ? path.slice(first.length + 1) : path;
  if (registry === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  return { registry, repository, reference: digest ?? tag ?? 'latest' };
}

/** The host the Registry API answers at: Docker Hub's API lives at registry-1.docker.io. */
export function apiHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

/** The same image name under another registry prefix (host[:port][/path]), for upstream registries. */
export function underRegistry(ref: string, fromPrefix: string | undefined, toPrefix: string): string {
  const trimmed = (prefix: string) => prefix.replace(/\/+$/, '');
  const name = fromPrefix && ref.startsWith(`${trimmed(fromPrefix)}/`) ? ref.slice(trimmed(fromPrefix).length + 1) : ref;
  return `${trimmed(toPrefix)}/${name}`;
}
