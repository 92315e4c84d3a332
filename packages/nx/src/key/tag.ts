import { RegistryPrefix } from '../registry/reference';

/** `[registry/]<imageName>-<stage>:<bucket>-<first 16 hex of key>`, no bucket part when refresh is never. */
export interface TagParts {
  registry?: string;
  imageName: string;
  stage: string;
  bucket: string;
  key: string;
}

export const TAG_KEY_LENGTH = 16;
const MAX_TAG_LENGTH = 128;
const MAX_REPOSITORY_LENGTH = 255;
const TAG_RULE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function stageRepository(parts: Pick<TagParts, 'registry' | 'imageName' | 'stage'>): string {
  const name = `${parts.imageName}-${parts.stage}`;
  return parts.registry ? RegistryPrefix.parse(parts.registry).join(name) : name;
}

export function stageTag(parts: TagParts): string {
  if (!/^[0-9a-f]{64}$/.test(parts.key)) throw new Error(`stage ${parts.stage}: key must be 64 hex digits`);
  const short = parts.key.slice(0, TAG_KEY_LENGTH);
  const tag = parts.bucket ? `${parts.bucket}-${short}` : short;
  if (tag.length > MAX_TAG_LENGTH || !TAG_RULE.test(tag)) {
    throw new Error(`stage ${parts.stage}: '${tag}' is not a valid Docker tag`);
  }
  const repository = stageRepository(parts);
  if (repository.length > MAX_REPOSITORY_LENGTH) {
    throw new Error(`stage ${parts.stage}: image name '${repository}' is longer than ${MAX_REPOSITORY_LENGTH} characters`);
  }
  return `${repository}:${tag}`;
}
