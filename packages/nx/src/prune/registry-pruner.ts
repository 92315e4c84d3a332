/** The registry side of a stage's prune: its stale tags' manifests go, by digest. */
import { LABEL_KEY, LABEL_STAGE } from '../docker/labels';
import type { RegistryClient } from '../registry/client';
import { RegistryClients } from '../registry/clients';
import { RegistryError } from '../registry/errors';
import { isIndex } from '../registry/media-types';
import { ImageRef } from '../registry/reference';
import type { RegistrySettings } from '../registry-policy/registry-options';
import type { RegistryPruner } from './prune-stage';
import { manifestsToDelete, type TaggedManifest } from './registry-selection';

/**
 * The registry side of a stage's prune when the workspace has a registry (the
 * stage's tags then live there under the same name), else undefined.
 */
export function stageRegistryPruner(
  settings: RegistrySettings | undefined,
  stage: string,
  currentTag: string,
  clients = new RegistryClients(),
): RegistryPruner | undefined {
  if (!settings) return undefined;
  const { registry, registryRepository: repository } = ImageRef.parse(currentTag);
  const client = clients.for(registry);
  return {
    listTags: () => client.listTags(repository),
    async deleteTags(tags, keptTags, dryRun) {
      const [stale, kept] = await Promise.all([describeTags(client, repository, stage, tags), describeTags(client, repository, stage, keptTags)]);
      const doomed = manifestsToDelete(stale, kept);
      if (dryRun) return { deleted: doomed.flatMap((manifest) => manifest.tags) };
      const deleted: string[] = [];
      for (const manifest of doomed) {
        try {
          await client.deleteManifest(repository, manifest.digest);
        } catch (error) {
          if (!refusesDeletion(error)) throw error;
          return { deleted, refusal: deletionRefusal(registry, doomed.length - deleted.length, error as RegistryError) };
        }
        deleted.push(...manifest.tags);
      }
      return { deleted };
    },
  };
}

/**
 * Each tag's manifest digest and whether it is one of this stage's images (its
 * config carries the stage labels); a tag gone meanwhile is left out.
 */
async function describeTags(client: RegistryClient, repository: string, stage: string, tags: string[]): Promise<TaggedManifest[]> {
  const described = await Promise.all(
    tags.map(async (tag): Promise<TaggedManifest | undefined> => {
      const manifest = await client.getManifest(repository, tag);
      if (!manifest) return undefined;
      const { document, info } = manifest;
      const ours = !isIndex(info.mediaType) && document.config ? await hasStageLabels(client, repository, document.config.digest, stage) : false;
      return { tag, digest: info.digest, ours };
    }),
  );
  return described.filter((entry): entry is TaggedManifest => entry !== undefined);
}

async function hasStageLabels(client: RegistryClient, repository: string, configDigest: string, stage: string): Promise<boolean> {
  const chunks: Buffer[] = [];
  for await (const chunk of await client.getBlob(repository, configDigest)) chunks.push(chunk as Buffer);
  try {
    const labels = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { config?: { Labels?: Record<string, string> | null } }).config?.Labels ?? {};
    return labels[LABEL_STAGE] === stage && Boolean(labels[LABEL_KEY]);
  } catch {
    return false;
  }
}

/** A registry whose storage has deletion turned off answers 405 (code UNSUPPORTED). */
function refusesDeletion(error: unknown): boolean {
  return error instanceof RegistryError && (error.status === 405 || /\bUNSUPPORTED\b/.test(error.message));
}

function deletionRefusal(registry: string, left: number, error: RegistryError): string {
  return (
    `registry ${registry} refuses to delete manifests (HTTP ${error.status ?? '?'}: deletion is disabled there), ` +
    `so ${left} stale manifest(s) stay in it; the local prune went ahead. ` +
    'Enable deletion in the registry (docker-registry: storage: delete: enabled: true) and prune again, then run its garbage collector to free the space'
  );
}
