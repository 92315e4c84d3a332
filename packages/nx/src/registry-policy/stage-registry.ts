/**
 * What the build core asks of the registries: where a tag is (the workspace registry
 * first, then each upstream registry), copying from an upstream into the workspace
 * registry, and the credentials the Engine needs to pull or push. stageRegistry() is
 * the real one, on the registry client; unit specs pass a fake.
 */
import { RegistryClients } from '../registry/clients';
import { copyImage } from '../registry/copy';
import { RegistryError } from '../registry/errors';
import { ImageRef, RegistryPrefix } from '../registry/reference';
import type { EngineRegistryAuth } from '../docker/registry-transfer';
import type { RegistrySettings } from './registry-options';
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
  /** X-Registry-Auth for the registry of a reference (credentials read once per run). */
  engineAuth(ref: string): Promise<EngineRegistryAuth | undefined>;
  /** The run's registry clients: every registry request of the run goes through them (base look-ups too). */
  clients: RegistryClients;
  /** Registry round trips so far, every registry together. */
  requests(): number;
  /** Where the equivalence records of the stage whose reference this is live (its repository in its registry). */
  recordsAt(ref: string): RecordLocation;
}

export function stageRegistry(settings: RegistrySettings, clients = new RegistryClients()): StageRegistry {
  const prefixes = [settings.registry, ...settings.upstreamRegistries];
  const workspace = RegistryPrefix.parse(settings.registry);

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
          const parsed = index === 0 ? ImageRef.parse(tag) : ImageRef.parse(tag).under(RegistryPrefix.parse(prefix), workspace);
          const ref = String(parsed);
          try {
            const info = await clients.for(parsed.registry).headManifest(parsed.registryRepository, parsed.reference);
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
      const from = ImageRef.parse(hit.ref);
      const to = ImageRef.parse(tag);
      await copyImage(
        { client: clients.for(from.registry), repository: from.registryRepository, reference: from.reference },
        { client: clients.for(to.registry), repository: to.registryRepository, reference: to.reference },
      );
    },
    engineAuth: (ref) => clients.engineAuth(ref),
    clients,
    requests: () => clients.requests(),
    recordsAt(ref) {
      const { registry, registryRepository: repository } = ImageRef.parse(ref);
      return { client: clients.for(registry), repository };
    },
  };
}
