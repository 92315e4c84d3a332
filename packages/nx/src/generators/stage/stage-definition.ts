import { posix } from 'node:path';
import type { SourceSpec, StageFile } from '../../stage/types';
import type { StageGeneratorSchema } from './schema';
import { STAGE_FILE_NAME } from '../../stage/definition-files';

/** What the stage generator decided, checked, ready to write. */
export interface StageScaffold {
  name: string;
  dir: string;
  type: NonNullable<StageGeneratorSchema['type']>;
  /** The base written in stage.json (undefined: the workspace's defaultBase). */
  from?: string;
  /** The FROM of a dockerfile stage's Dockerfile. */
  dockerfileBase?: string;
  /** The stage's base when it is an external image (from --from or defaultBase), to pin as it is written. */
  externalBase?: string;
  depends: string[];
  source?: SourceSpec;
  schemaPath: string;
  /** The install prefix a Dockerfile stage copies its depends' exports from. */
  prefix: string;
}

/** The stage.json document of the scaffold, fields in the order people read them. */
export function stageDocument(scaffold: StageScaffold): StageFile {
  const { name, type, from, depends, source } = scaffold;
  const isDockerfile = type === 'dockerfile';
  return {
    $schema: scaffold.schemaPath,
    name,
    ...(from !== undefined && !isDockerfile && { from }),
    ...(depends.length > 0 && !isDockerfile && { depends }),
    ...(source !== undefined && { source }),
    build: { type, ...(type === 'custom' && { steps: [placeholderStep(scaffold)] }) },
  };
}

/** A custom stage's first step: it builds, and says what to put in its place. */
function placeholderStep({ name, dir }: StageScaffold): string {
  const file = posix.join(dir, STAGE_FILE_NAME);
  return `echo 'stage ${name}: replace this step in ${file} (build.steps) with the commands that build and install it'`;
}

/** A dockerfile stage's Dockerfile: its base, its depends' exports, and a note on what to add. */
export function stageDockerfile(scaffold: StageScaffold): string {
  const lines = [
    `FROM ${scaffold.dockerfileBase}`,
    ...scaffold.depends.map((upstream) => `COPY --from=${upstream} ${scaffold.prefix} ${scaffold.prefix}`),
    `# Stage ${scaffold.name}: add its build here (RUN, COPY of files in this directory, ENV ...).`,
    `# FROM and COPY --from name other stages of the workspace; Stagecraft builds them first.`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The repeated or comma-separated --depends values as one list, each name once, in the order given. */
export function dependsList(depends: StageGeneratorSchema['depends']): string[] {
  const given = depends === undefined ? [] : Array.isArray(depends) ? depends : [depends];
  const names = given.flatMap((value) => String(value).split(',')).map((name) => name.trim()).filter(Boolean);
  return [...new Set(names)];
}

/** The source the options name, or an error saying which options go together. */
export function sourceOf(schema: StageGeneratorSchema): SourceSpec | undefined {
  const kinds = [
    schema.git !== undefined || schema.rev !== undefined ? 'git' : undefined,
    schema.url !== undefined || schema.sha256 !== undefined ? 'url' : undefined,
    schema.path !== undefined ? 'path' : undefined,
  ].filter((kind) => kind !== undefined);
  if (kinds.length > 1) {
    throw new Error(`give one source: --git with --rev, --url with --sha256, or --path (got ${kinds.map((k) => `--${k}`).join(' and ')})`);
  }
  if (kinds[0] === 'git') {
    if (schema.git === undefined || schema.rev === undefined) throw new Error('a git source needs both --git and --rev (a tag or commit)');
    return { git: schema.git, rev: schema.rev };
  }
  if (kinds[0] === 'url') {
    if (schema.url === undefined || schema.sha256 === undefined) throw new Error("an archive source needs both --url and --sha256 (the archive's SHA-256)");
    return { url: schema.url, sha256: schema.sha256 };
  }
  return kinds[0] === 'path' ? { path: schema.path! } : undefined;
}
