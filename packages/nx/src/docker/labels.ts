/** The labels every stage image carries. */

export const LABEL_STAGE = 'dev.stagecraft.stage';
export const LABEL_KEY = 'dev.stagecraft.key';
export const LABEL_KEY_FORMAT = 'dev.stagecraft.key-format';
export const LABEL_REV = 'dev.stagecraft.rev';

export interface StageLabelInput {
  stage: string;
  /** The full sha256 key, 64 lowercase hex digits. */
  key: string;
  keyFormat: number | string;
  /** The source revision (a git commit), when the stage has one. */
  rev?: string;
  /** Where the source comes from: a URL or a git remote. */
  source?: string;
  /**
   * ISO 8601 build time. Only set it on purpose: a timestamp label makes two
   * builds of the same inputs produce different image ids.
   */
  created?: string;
}

export function stageLabels(input: StageLabelInput): Record<string, string> {
  if (!/^[0-9a-f]{64}$/.test(input.key)) {
    throw new Error(`stage "${input.stage}": key must be 64 lowercase hex digits, got "${input.key}"`);
  }
  const labels: Record<string, string> = {
    [LABEL_STAGE]: input.stage,
    [LABEL_KEY]: input.key,
    [LABEL_KEY_FORMAT]: String(input.keyFormat),
    'org.opencontainers.image.title': input.stage,
    'org.opencontainers.image.version': input.rev || input.key.slice(0, 16),
  };
  if (input.rev) {
    labels[LABEL_REV] = input.rev;
    labels['org.opencontainers.image.revision'] = input.rev;
  }
  if (input.source) labels['org.opencontainers.image.source'] = input.source;
  if (input.created) labels['org.opencontainers.image.created'] = input.created;
  return labels;
}
