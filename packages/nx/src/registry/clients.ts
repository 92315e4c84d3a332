/**
 * The registry clients of one run (a batch, a prune, a mirror, a lock): one client per
 * registry host, Docker's credentials read once per host, manifests asked for by digest
 * asked once, and every round trip of every client counted.
 */
import { RegistryClient, type ManifestInfo, type RegistryClientOptions } from './client';
import { engineAuthConfig, registryCredentials, type RegistryCredentials } from './credentials';
import { apiHost, ImageRef } from './reference';

export class RegistryClients {
  private readonly clients = new Map<string, RegistryClient>();
  private readonly credentials = new Map<string, Promise<RegistryCredentials | undefined>>();
  private readonly byDigest = new Map<string, Promise<ManifestInfo | undefined>>();

  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly clientOptions: Pick<RegistryClientOptions, 'fetch' | 'timeoutMs'> = {},
  ) {}

  /** The client of a registry host as references name it ("docker.io" reaches Docker Hub's API host). */
  for(registry: string): RegistryClient {
    let client = this.clients.get(registry);
    if (!client) {
      client = new RegistryClient({ ...this.clientOptions, host: apiHost(registry), credentials: () => this.credentialsFor(registry) });
      this.clients.set(registry, client);
    }
    return client;
  }

  /** Docker's credentials for a registry host, read once per run. */
  credentialsFor(registry: string): Promise<RegistryCredentials | undefined> {
    let read = this.credentials.get(registry);
    if (!read) {
      read = registryCredentials(registry, this.env);
      this.credentials.set(registry, read);
    }
    return read;
  }

  /** X-Registry-Auth for the Engine's pull or push of a reference. */
  async engineAuth(ref: string): Promise<Record<string, string> | undefined> {
    const registry = ImageRef.parse(ref).registry;
    return engineAuthConfig(registry, await this.credentialsFor(registry));
  }

  /**
   * The manifest a `repository@digest` reference names, or undefined when its registry lacks it;
   * asked once per run, since a digest always names the same content. A failed request throws,
   * for every caller alike.
   */
  headDigest(ref: ImageRef): Promise<ManifestInfo | undefined> {
    if (!ref.digest) throw new Error(`${ref} names no digest`);
    const key = String(ref);
    let answer = this.byDigest.get(key);
    if (!answer) {
      answer = this.for(ref.registry).headManifest(ref.registryRepository, ref.digest);
      this.byDigest.set(key, answer);
    }
    return answer;
  }

  /** Registry round trips so far, every client together (token requests included). */
  requests(): number {
    return [...this.clients.values()].reduce((sum, client) => sum + client.requests, 0);
  }
}
