/**
 * Image references and registry prefixes: the one place they are parsed and printed.
 * An ImageRef is `[domain/]path[:tag][@digest]`, split the way the Engine splits it;
 * a RegistryPrefix is the `host[:port][/path]` the plugin options name.
 */

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])(?:\.(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]))*|\[[0-9A-Fa-f:]+\])(?::[0-9]+)?$/;
const DOCKER_HUB = 'docker.io';

/** An image reference. The domain, path, tag and digest are as written; the getters say what they mean. */
export class ImageRef {
  private constructor(
    /** host[:port] when the reference names one; undefined for a Docker Hub name ("debian", "user/tool"). */
    readonly domain: string | undefined,
    /** The repository path as written: "acme-zlib", "debian", "org/team/app". */
    readonly path: string,
    readonly tag: string | undefined,
    readonly digest: string | undefined,
  ) {}

  /**
   * Splits `[domain/]path[:tag][@digest]`: the tag is after the last colon that follows the last
   * slash, so a registry port is never taken for a tag, and a first component with a "." or ":",
   * or "localhost", is a registry host. Nothing is checked here; check() does that.
   */
  static parse(ref: string): ImageRef {
    const at = ref.indexOf('@');
    const name = at >= 0 ? ref.slice(0, at) : ref;
    const digest = at >= 0 ? ref.slice(at + 1) : undefined;
    const lastSlash = name.lastIndexOf('/');
    const lastColon = name.lastIndexOf(':');
    const tag = lastColon > lastSlash ? name.slice(lastColon + 1) : undefined;
    const repository = lastColon > lastSlash ? name.slice(0, lastColon) : name;
    const first = repository.split('/')[0];
    const hasDomain = repository.includes('/') && (/[.:]/.test(first) || first === 'localhost');
    return new ImageRef(hasDomain ? first : undefined, hasDomain ? repository.slice(first.length + 1) : repository, tag, digest);
  }

  /** `[domain/]path`: the repository the Engine tags, lists and pushes images by. */
  get repository(): string {
    return this.domain === undefined ? this.path : `${this.domain}/${this.path}`;
  }

  /** The registry host that serves the image: its domain, or docker.io. */
  get registry(): string {
    return this.domain ?? DOCKER_HUB;
  }

  /** The repository inside its registry: Docker Hub keeps one-component names under library/. */
  get registryRepository(): string {
    return this.domain === undefined && !this.path.includes('/') ? `library/${this.path}` : this.path;
  }

  /** What to ask the registry for: the digest, else the tag, else latest. */
  get reference(): string {
    return this.digest ?? this.tag ?? 'latest';
  }

  /** The same repository with this tag (and no digest). */
  withTag(tag: string): ImageRef {
    return new ImageRef(this.domain, this.path, tag, undefined);
  }

  /** The same repository pinned to this digest (and no tag): `repository@digest`. */
  withDigest(digest: string): ImageRef {
    return new ImageRef(this.domain, this.path, undefined, digest);
  }

  /** The same name under another registry prefix: `from`'s part of it replaced by `to` (added when it has none). */
  under(to: RegistryPrefix, from?: RegistryPrefix): ImageRef {
    const repository = this.repository;
    const name = from && repository.startsWith(`${from}/`) ? repository.slice(`${from}/`.length) : repository;
    const moved = ImageRef.parse(`${to}/${name}`);
    return new ImageRef(moved.domain, moved.path, this.tag, this.digest);
  }

  /** Throws, naming the reference and the part, unless it is a valid reference the Engine accepts. */
  check(): this {
    const invalid = (why: string) => new Error(`invalid image reference "${this}": ${why}`);
    if (this.domain !== undefined && !DOMAIN.test(this.domain)) throw invalid(`registry "${this.domain}" is not a host[:port]`);
    const badComponent = this.path.split('/').find((component) => !PATH_COMPONENT.test(component));
    if (badComponent !== undefined) {
      throw invalid(`repository component "${badComponent}" must be lowercase letters and digits separated by ".", "_", "__" or "-"`);
    }
    if (this.tag !== undefined && !TAG.test(this.tag)) throw invalid(`tag "${this.tag}" must be 1 to 128 of [A-Za-z0-9_.-], not starting with "." or "-"`);
    if (this.digest !== undefined && !DIGEST.test(this.digest)) throw invalid(`digest "${this.digest}" is not algorithm:hex`);
    return this;
  }

  /** The repository and tag the Engine's tag and push calls want (tag latest when none); a digest reference cannot be tagged. */
  engineTag(): { repo: string; tag: string } {
    if (this.digest !== undefined) throw new Error(`invalid image reference "${this}": a digest reference cannot be used as a tag`);
    this.check();
    return { repo: this.repository, tag: this.tag ?? 'latest' };
  }

  toString(): string {
    return `${this.repository}${this.tag === undefined ? '' : `:${this.tag}`}${this.digest === undefined ? '' : `@${this.digest}`}`;
  }
}

/** `host[:port][/path]`, trailing slashes dropped: where a workspace's images live (the options registry and upstreamRegistries). */
export class RegistryPrefix {
  private constructor(
    /** host[:port]: the registry to talk to. */
    readonly host: string,
    /** The repository path under the host every image name starts with ('' for none). */
    readonly path: string,
  ) {}

  static parse(prefix: string): RegistryPrefix {
    const [host, ...path] = prefix.replace(/\/+$/, '').split('/');
    return new RegistryPrefix(host, path.join('/'));
  }

  /** The repository (in the host's registry) of a name under this prefix. */
  repositoryOf(name: string): string {
    return this.path ? `${this.path}/${name}` : name;
  }

  /** A name under this prefix: `<prefix>/<name>`. */
  join(name: string): string {
    return `${this}/${name}`;
  }

  toString(): string {
    return this.path ? `${this.host}/${this.path}` : this.host;
  }
}

/** The host the Registry API answers at: Docker Hub's API lives at registry-1.docker.io. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
}
