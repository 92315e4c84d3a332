/**
 * What the build core asks of the registries: where a tag is (the workspace registry
 * first, then each upstream registry), copying from an upstream into the workspace
 * registry, and the credentials the Engine needs to pull or push. stageRegistry() is
 * the real one, on the registry client; unit specs pass a fake.
 */
import { RegistryClient, RegistryError, copyImage, engineAuthConfig, parseRegistryRef, registryCredentials, underRegistry } from '../registry';
import type { EngineRegistryAuth } from '../docker/registry-transfer';
import { hostOf, type RegistrySettings } from './registry-options';
import type { RecordLocation } from '../equivalence/registry-records';

/** Where a tag was found. */
export interface RemoteHit {
  /** The registry prefix (host[:port][/path]) that holds it. */
  registry: string;
  /** The full reference there (the workspace tag, or the same name under an upstream registry). */
  ref: string;
  upstream: boolean;
  digest: string;
}

export interface StageRegistry {
  settings: RegistrySettings;
  /**
   * Looks every tag up at once, concurrently. An unreachable or refusing registry gets one warning
   * (naming the registry's prefix too) and counts as holding nothing; `checked` says whether the
   * workspace registry answered.
   */
  locate(tags: string[], warn: (line: string, registry: string) => void): Promise<{ hits: Map<string, RemoteHit>; checked: boolean }>;
  /** Copies an upstream hit to the workspace tag. */
  copyToWorkspace(hit: RemoteHit, tag: string): Promise<void>;
  /** X-Registry-Auth for the registry of a reference. */
  engineAuth(ref: string): Promise<EngineRegistryAuth | undefined>;
  /** Registry round trips so far. */
  requests(): number;
  /** Where the equivalence records of the stage whose reference this is live (its repository in its registry). */
  recordsAt(ref: string): RecordLocation;
}

export function stageRegistry(settings: RegistrySettings, env: NodeJS.ProcessEnv = process.env): StageRegistry {
  const clients = new Map<string, RegistryClient>();
  const clientFor = (host: string) => {
    let client = clients.get(host);
    if (!client) {
      client = new RegistryClient({ host, credentials: () => registryCredentials(host, env) });
      clients.set(host, client);
    }
    return client;
  };
  const prefixes = [settings.registry, ...settings.upstreamRegistries];

  return {
    settings,
    async locate(tags, warn) {
      const hits = new Map<string, RemoteHit>();
      let checked = true;
      let missing = tags;
      for (const [index, prefix] of prefixes.entries()) {
        if (missing.length === 0) break;
        let failure: RegistryError | undefined;
        const lookUp = async (tag: string) => {
          if (failure) return;
          const ref = index === 0 ? tag : underRegistry(tag, settings.registry, prefix);
          const { registry, repository, reference } = parseRegistryRef(ref);
          try {
            const info = await clientFor(registry).headManifest(repository, reference);
            if (info) hits.set(tag, { registry: prefix, ref, upstream: index > 0, digest: info.digest });
          } catch (error) {
            if (!(error instanceof RegistryError)) throw error;
            failure ??= error;
          }
        };
        // One request first answers the auth challenge (or finds the registry down); the rest go at once.
        await lookUp(missing[0]);
        await Promise.all(missing.slice(1).map(lookUp));
        if (failure) {
          warn(`warning: could not check registry ${prefix}: ${failure.message}; going on without it`, prefix);
          if (index === 0) checked = false;
        }
        missing = missing.filter((tag) => !hits.has(tag));
      }
      return { hits, checked };
    },
    async copyToWorkspace(hit, tag) {
      const from = parseRegistryRef(hit.ref);
      const to = parseRegistryRef(tag);
      await copyImage(
        { client: clientFor(from.registry), repository: from.repository, reference: from.reference },
        { client: clientFor(to.registry), repository: to.repository, reference: to.reference },
      );
    },
    async engineAuth(ref) {
      const host = parseRegistryRef(ref).registry;
      return engineAuthConfig(host, await registryCredentials(host, env));
    },
    requests: () => [...clients.values()].reduce((sum, client) => sum + client.requests, 0),
    recordsAt(ref) {
      const { registry, repository } = parseRegistryRef(ref);
      return { client: clientFor(registry), repository };
    },
  };
}

export { hostOf };
