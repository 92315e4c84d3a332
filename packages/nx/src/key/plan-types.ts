/** What planning takes (PlanContext) and what it gives (StagePlan); the Planner in plan.ts computes them. */
import type { HashedFile } from './files';
import type { FileHashCache } from './hash-cache';
import type { KeyDocument } from './key';
import type { ExternalBase } from './external-base';
import type { StageGraph } from '../stage/graph';
import type { ResolvedOptions, Stage } from '../stage/types';

export interface PlanContext {
  workspaceRoot: string;
  graph: StageGraph;
  options: ResolvedOptions;
  /** The clock that picks the time bucket. */
  now: Date;
  /** Where declared env values are read from. */
  env: NodeJS.ProcessEnv;
  /**
   * What identifies a url or git source in the key. The default needs no I/O
   * (the archive's sha256, or the git rev as written); executors resolve a git
   * rev to its commit.
   */
  resolveSource?: (stage: Stage) => Promise<Record<string, string> | null>;
  /** Remembers file hashes between runs; without it every file is hashed. */
  hashCache?: FileHashCache;
}

/** A file from disk that goes into the build context. */
export interface ContextFile {
  contextPath: string;
  /** Path relative to the workspace root. */
  file: string;
  mode: HashedFile['mode'];
}

/** Everything known about a stage before building it. */
export interface StagePlan {
  stage: Stage;
  key: string;
  tag: string;
  bucket: string;
  keyDocument: KeyDocument;
  /** The Dockerfile to build, with upstream stages rendered as their tags. */
  dockerfile: string;
  generated: Record<string, string>;
  /** The files from disk in the build context (listed only when asked, in git-commit mode). */
  contextFiles(): Promise<ContextFile[]>;
  /** What the user should know about how the key was computed (e.g. a git-commit fallback). */
  notices: string[];
  /** Tags of the direct upstream stages, by name. */
  upstreamTags: Record<string, string>;
  /** Tags of the upstream stages whose images the build needs (see StageGraph.imageUpstreamOf). */
  imageUpstreamTags: Record<string, string>;
  /** The stage's external base (not `scratch`, not another stage), with its pin. */
  externalBase?: ExternalBase;
  /** Every external image the stage builds with (its base, or its Dockerfile's images), with its pin. */
  externalImages: ExternalBase[];
  /** The Dockerfile to build with external images taken from elsewhere (a mirror of the same digest, a local alias), by image as written. */
  dockerfileWith(refs: ReadonlyMap<string, string>): string;
  /**
   * The key document with every trace of the upstream keys taken out (no upstream keys, and an
   * aggregate's generated files naming a sourceless upstream by a placeholder instead of its key):
   * what the resolved key hashes together with the upstreams' output hashes (see equivalence/).
   */
  equivalenceDocument: KeyDocument;
}
