/** The stage model: what stage.json says (StageFile) and what a loaded stage is (Stage). */
import type { StagePins } from './pins';
import { DEFAULT_PLATFORM } from '../dockerfile/dockerfile-args';

export const BUILD_TYPES = ['autoconf', 'cmake', 'make', 'meson', 'custom', 'dockerfile', 'aggregate'] as const;
export type BuildType = (typeof BUILD_TYPES)[number];

export const REFRESH_PERIODS = ['never', 'day', 'isoweek', 'month'] as const;
export type Refresh = (typeof REFRESH_PERIODS)[number];

/** The network a stage's build runs on: none (the default), the Engine's default network, or the host's. */
export const NETWORK_MODES = ['none', 'default', 'host'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

export const HASH_MODES = ['content', 'git-commit'] as const;
export type HashMode = (typeof HASH_MODES)[number];

/** Where a stage's source comes from. Absent: the stage directory itself. */
export type SourceSpec = ArchiveSource | GitSource | LocalSource;
/** Sources fetched on the host before a build. */
export type RemoteSource = ArchiveSource | GitSource;

export interface ArchiveSource {
  url: string;
  sha256: string;
}

export interface GitSource {
  git: string;
  rev: string;
}

/** A subdirectory of the stage directory holding the source tree. */
export interface LocalSource {
  path: string;
}

export function isRemoteSource(source: SourceSpec | undefined): source is RemoteSource {
  return source !== undefined && !('path' in source);
}

export function isLocalSource(source: SourceSpec | undefined): source is LocalSource {
  return source !== undefined && 'path' in source;
}

export interface BuildSpec {
  type: BuildType;
  /** Arguments to configure / cmake / meson, each one argument (quoted when rendered). */
  configFlags?: string[];
  /** NAME=value pairs set for the configure step. */
  configEnv?: string[];
  /** Shell commands run in the source directory before configuring (OpenBMC custom_post_dl). */
  postDownload?: string[];
  /** Shell commands for the custom build type; appended after install for the others. */
  steps?: string[];
  /**
   * Dockerfile stages: the build context directory, relative to the stage
   * directory (e.g. '..' for an imported Dockerfile). Only the files its COPY
   * and ADD read are keyed and sent.
   */
  context?: string;
  /**
   * Dockerfile stages: NAME=value build arguments (`docker build --build-arg`), passed to
   * the build and part of the key; the import records the values it used.
   */
  args?: string[];
  /** Dockerfile stages: files fetched on the host (by sha256) into the build context at `path` (the import's ADD <url>). */
  downloads?: Download[];
}

/** A file a Dockerfile stage's build context gets from a URL, checked by its sha256. */
export interface Download {
  url: string;
  sha256: string;
  /** Its path in the build context. */
  path: string;
}

export interface ExportsSpec {
  /** Paths copied into downstream stages (default: the install prefix). */
  copy?: string[];
  /** Globs of package files inside the image, e.g. /out/*.deb. */
  packages?: string[];
}

/** The JSON document in a stage.json file, as validated by schemas/stage.json. */
export interface StageFile {
  $schema?: string;
  name?: string;
  from?: string;
  depends?: string[];
  source?: SourceSpec;
  build?: BuildSpec;
  inputs?: string[];
  /** Like inputs, but a glob may match no file. */
  optionalInputs?: string[];
  env?: string[];
  exports?: ExportsSpec;
  refresh?: Refresh;
  hashMode?: HashMode;
  /** The network its build runs on (default: none). */
  network?: NetworkMode;
  /** Take upstream stages' packages (exports.packages) instead of their images. */
  consumePackages?: boolean;
}

/** A loaded, validated stage. Paths are relative to the workspace root, with '/' separators. */
export interface Stage {
  name: string;
  /** The stage directory (Nx project root), relative to the workspace root. */
  root: string;
  /** stage.json path relative to the workspace root, if the stage has one. */
  stageFile?: string;
  /** Dockerfile path relative to the workspace root, if the stage has one. */
  dockerfilePath?: string;
  /** Dockerfile text, if the stage has one. */
  dockerfile?: string;
  /** Base: a stage name or an external image reference; undefined means the workspace default base. */
  from?: string;
  depends: string[];
  source?: SourceSpec;
  build: BuildSpec;
  /** Declared input globs; each must match at least one file. */
  inputs: string[];
  /** Declared input globs that may match nothing (absent when none). */
  optionalInputs?: string[];
  env: string[];
  exports: { copy: string[]; packages: string[] };
  refresh?: Refresh;
  hashMode: HashMode;
  consumePackages: boolean;
  /**
   * The network the build runs on, present only when the stage declares one
   * ("default" or "host"): a stage without network keeps the key it had before
   * the field existed.
   */
  network?: Exclude<NetworkMode, 'none'>;
  /** What the lock generator pinned for this stage (its stage.lock.json), when it has pins. */
  pins?: StagePins;
}

/** Workspace-wide options: the plugin's entry in nx.json. */
export interface StagecraftOptions {
  /** Image name prefix: images are <imageName>-<stage>. */
  imageName?: string;
  /** Registry host[:port][/path] prepended to tags: the workspace registry. */
  registry?: string;
  /** Push every stage built into the registry (STAGECRAFT_PUSH=1 turns it on for a run). */
  push?: boolean;
  /** Read-only registries (host[:port][/path]) to fall back on when the workspace registry lacks a tag. */
  upstreamRegistries?: string[];
  /** "always": pull every stage found in a registry; "when-needed" (default): only what a build or `run` needs. */
  pull?: 'always' | 'when-needed';
  /** Base for stages with no `from`: a stage name or an external image reference. */
  defaultBase?: string;
  defaultRefresh?: Refresh;
  /** Install prefix inside images. */
  prefix?: string;
  /** Platform recorded in the key. */
  platform?: string;
  targetNames?: Partial<Record<TargetKind, string>>;
  /** Declared-tags file (Mesa), relative to the workspace root. */
  declaredTags?: string;
  requireDeclaredTags?: boolean;
  verifyDeclaredTags?: boolean;
  /** auto (default): BuildKit where the Engine offers it, else the legacy builder. */
  builder?: 'auto' | 'buildkit' | 'legacy';
  /** Directory names whose trees hold no Dockerfile-only stages (default: vendor, third_party, testdata). */
  skipDirectories?: string[];
  /** Early cut-off (default true): a stage whose inputs and upstream outputs match an earlier build takes its image. */
  equivalence?: boolean;
}

export type TargetKind = 'dockerStage' | 'package' | 'stagePlan' | 'tagCheck' | 'run' | 'sources' | 'prune' | 'mirror';

export const DEFAULT_OPTIONS = {
  imageName: 'stagecraft',
  defaultRefresh: 'isoweek' as Refresh,
  prefix: '/usr/local',
  platform: DEFAULT_PLATFORM,
  declaredTags: 'stagecraft-tags.yml',
  targetNames: {
    dockerStage: 'docker-stage',
    package: 'package',
    stagePlan: 'stage-plan',
    tagCheck: 'tag-check',
    run: 'run',
    sources: 'sources',
    prune: 'prune',
    mirror: 'mirror',
  } as Record<TargetKind, string>,
};

export type ResolvedOptions = Required<Pick<StagecraftOptions, 'imageName' | 'defaultRefresh' | 'prefix' | 'platform' | 'declaredTags'>> &
  Omit<StagecraftOptions, 'targetNames'> & { targetNames: Record<TargetKind, string> };
