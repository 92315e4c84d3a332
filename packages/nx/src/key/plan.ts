import { existsSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { timeBucket } from './bucket';
import { globWorkspace, hashFiles, listFiles, type HashedFile } from './files';
import { followDockerignore } from './dockerignore';
import { buildContextDirectory, filesTheBuildReads } from './copied-files';
import { gitTrackedFiles, gitTreeOf } from './git-tree';
import { StageError } from '../stage/errors';
import { KEY_FORMAT, keyOf, type KeyDocument } from './key';
import { renderDockerfile, type UpstreamImage } from '../render/render';
import { stageTag } from './tag';
import { definingFile } from '../stage/definition-files';
import type { Stage } from '../stage/types';
import { staticSourceIdentity } from './static-source-identity';
import { externalBaseOf } from './external-base';
import { STAGE_DEFINITION_FILES } from '../stage/pins';
import { inputGlobPath } from '../stage/input-globs';
import { networkRefreshWarning } from '../stage/network';

import type { ContextFile, PlanContext, StagePlan } from './plan-types';
export type { ContextFile, PlanContext, StagePlan } from './plan-types';

/** Where the package target puts a stage's package files, relative to the workspace root. */
export function packagesDir(stage: string): string {
  return posix.join('dist', 'packages', stage);
}

/**
 * Computes stage plans: keys, tags and rendered Dockerfiles. This is the only
 * place a key is computed; every target goes through it. Upstream stages are
 * planned first and memoised, so planning a whole workspace hashes each file once.
 */
export class Planner {
  private readonly plans = new Map<string, Promise<StagePlan>>();

  constructor(private readonly context: PlanContext) {}

  plan(name: string): Promise<StagePlan> {
    let planned = this.plans.get(name);
    if (!planned) {
      planned = this.compute(name);
      this.plans.set(name, planned);
    }
    return planned;
  }

  async planAll(): Promise<StagePlan[]> {
    return Promise.all(this.context.graph.order.map((name) => this.plan(name)));
  }

  private async compute(name: string): Promise<StagePlan> {
    const { graph, options, workspaceRoot, now, env } = this.context;
    const stage = graph.stages.get(name);
    if (!stage) throw new Error(`no stage named '${name}' in this workspace`);

    const upstreamPlans = await Promise.all(graph.upstreamOf(name).map((upstream) => this.plan(upstream)));
    const upstreamKeys = Object.fromEntries(upstreamPlans.map((p) => [p.stage.name, p.key]));
    const upstreamTags = Object.fromEntries(upstreamPlans.map((p) => [p.stage.name, p.tag]));

    const externalImages = graph.externalImagesOf(name).map((use) => externalBaseOf(stage, use.image, use.kind));
    const externalBase = externalImages.find((image) => image.kind === undefined);
    const placeholder = (plan: StagePlan) => `<stage:${plan.stage.name}>`;
    const forKey = this.render(stage, upstreamPlans, placeholder, declaredPackageFiles, new Map());
    const renderForEquivalence = () =>
      this.render(stage, upstreamPlans, placeholder, declaredPackageFiles, new Map(), (plan) => sourceRev(plan) ?? placeholder(plan));
    const renderForBuild = (refs: ReadonlyMap<string, string>) =>
      this.render(stage, upstreamPlans, (plan) => plan.tag, (plan) => this.extractedPackageFiles(plan), refs);
    const forBuild = renderForBuild(new Map(externalImages.flatMap((image) => (image.ref ? [[image.image, image.ref] as const] : []))));
    const dockerfileImages = externalImages.filter((image) => image.kind !== undefined);
    const imageUpstreamTags = Object.fromEntries(graph.imageUpstreamOf(name).map((upstream) => [upstream, upstreamTags[upstream]]));

    const [source, { context, contextTree, contextFiles, notices }, inputs] = await Promise.all([
      (this.context.resolveSource ?? staticSourceIdentity)(stage),
      this.hashContext(stage),
      this.hashInputs(stage),
    ]);

    const refresh = stage.refresh ?? options.defaultRefresh;
    const bucket = timeBucket(refresh, now);
    const networkWarning = networkRefreshWarning(stage, refresh);
    const keyDocument: KeyDocument = {
      keyFormat: KEY_FORMAT,
      stage: stage.name,
      platform: options.platform,
      definition: stageDefinition(stage),
      dockerfile: forKey.dockerfile,
      generated: forKey.files,
      context,
      contextTree,
      inputs,
      env: Object.fromEntries(stage.env.map((variable) => [variable, env[variable] ?? null])),
      source,
      upstream: upstreamKeys,
      bucket,
      ...(externalBase && { base: { image: externalBase.image, digest: externalBase.digest } }),
      ...(dockerfileImages.length && { images: Object.fromEntries(dockerfileImages.map((image) => [image.image, image.digest])) }),
    };
    const key = keyOf(keyDocument);
    const tag = stageTag({ registry: options.registry, imageName: options.imageName, stage: stage.name, bucket, key });
    return {
      stage,
      key,
      tag,
      bucket,
      keyDocument,
      dockerfile: forBuild.dockerfile,
      generated: forBuild.files,
      contextFiles,
      notices: networkWarning ? [...notices, networkWarning] : notices,
      upstreamTags,
      imageUpstreamTags,
      externalBase,
      externalImages,
      dockerfileWith: (refs) => renderForBuild(refs).dockerfile,
      // Rendered on first read: only a run with equivalence on reads it.
      get equivalenceDocument() {
        const forEquivalence = renderForEquivalence();
        const document: KeyDocument = { ...keyDocument, generated: forEquivalence.files, upstream: {} };
        Object.defineProperty(this, 'equivalenceDocument', { value: document, enumerable: true });
        return document;
      },
    };
  }

  /**
   * The build context's own files as the key sees them: each file's hash, or in
   * git-commit mode on a clean tree, the directory's git tree id alone.
   */
  private async hashContext(stage: Stage) {
    const { workspaceRoot } = this.context;
    const dir = buildContextDirectory(stage);
    const notices: string[] = [];
    // A build.context directory is keyed by the files the Dockerfile copies, never by the whole tree.
    if (dir !== undefined && stage.hashMode === 'git-commit' && stage.build.context === undefined) {
      const state = await gitTreeOf(workspaceRoot, dir);
      if ('tree' in state) {
        let listed: Promise<ContextFile[]> | undefined;
        const contextFiles = () => (listed ??= this.trackedContextFiles(stage, dir));
        return { context: [] as HashedFile[], contextTree: state.tree, contextFiles, notices };
      }
      notices.push(`git-commit hash mode fell back to hashing content: ${state.fallback}`);
    }
    if (dir !== undefined && !existsSync(join(workspaceRoot, dir))) {
      const field = stage.build.context !== undefined ? '/build/context' : '/source/path';
      throw new StageError(definingFile(stage), field, `the ${field === '/build/context' ? 'build context' : 'source'} directory ${dir} does not exist`);
    }
    const files = dir === undefined ? [] : await this.listContextFiles(stage, dir);
    const hashed = await this.hashFiles(files.map((f) => f.file));
    const context = hashed.map((h, i): HashedFile => ({ ...h, path: files[i].contextPath }));
    const withModes = files.map((f, i): ContextFile => ({ ...f, mode: hashed[i].mode }));
    return { context, contextTree: null, contextFiles: async () => withModes, notices };
  }

  private render(
    stage: Stage,
    upstreamPlans: StagePlan[],
    imageOf: (plan: StagePlan) => string,
    packageFilesOf: (plan: StagePlan) => string[],
    externalRefs: ReadonlyMap<string, string>,
    revOf: (plan: StagePlan) => string = upstreamRev,
  ) {
    const { graph, options } = this.context;
    const byName = new Map(upstreamPlans.map((p) => [p.stage.name, p]));
    const base = graph.baseOf(stage.name);
    const baseImage = 'stage' in base ? imageOf(byName.get(base.stage)!) : 'image' in base ? (externalRefs.get(base.image) ?? base.image) : 'scratch';
    const copied = stage.build.type === 'dockerfile' ? graph.upstreamOf(stage.name) : stage.depends;
    const upstream: UpstreamImage[] = copied.map((name) => {
      const plan = byName.get(name)!;
      return {
        name,
        image: imageOf(plan),
        copy: plan.stage.exports.copy.length ? plan.stage.exports.copy : [options.prefix],
        rev: revOf(plan),
        packageFiles: stage.consumePackages ? packageFilesOf(plan) : undefined,
      };
    });
    return renderDockerfile({ stage, prefix: options.prefix, base: baseImage, upstream, externalRefs, platform: options.platform });
  }

  /** The package files the upstream's package target extracted, when it ran; else the declared names. */
  private extractedPackageFiles(plan: StagePlan): string[] {
    const dir = join(this.context.workspaceRoot, packagesDir(plan.stage.name));
    return existsSync(dir) ? readdirSync(dir).sort() : declaredPackageFiles(plan);
  }

  private hashFiles(paths: string[]): Promise<HashedFile[]> {
    const { hashCache, workspaceRoot } = this.context;
    return hashCache ? hashCache.hash(workspaceRoot, paths) : hashFiles(workspaceRoot, paths);
  }

  /**
   * The stage's own files under `dir`, minus its definition files and nested
   * stages. A dockerfile stage's context is its directory, as with
   * `docker build <dir>`; other stages get theirs under source/.
   */
  private async listContextFiles(stage: Stage, dir: string): Promise<Array<Omit<ContextFile, 'mode'>>> {
    const nested = this.nestedStageRoots(dir).map((root) => posix.relative(dir, root));
    // Both are plain filters: the COPY sources first, since they usually leave few files for the ignore rules.
    const read = filesTheBuildReads(stage, await listFiles(this.context.workspaceRoot, dir, nested));
    return followDockerignore(this.context.workspaceRoot, dir, read).filter((file) => this.belongsToContext(stage, dir, file)).map((file) => this.contextFile(stage, dir, file));
  }

  private async trackedContextFiles(stage: Stage, dir: string): Promise<ContextFile[]> {
    const nested = this.nestedStageRoots(dir);
    const tracked = await gitTrackedFiles(this.context.workspaceRoot, dir);
    const sent = new Set(followDockerignore(this.context.workspaceRoot, dir, tracked.map(({ path }) => posix.relative(dir, path))));
    return tracked
      .map(({ path, mode }) => ({ relative: posix.relative(dir, path), mode }))
      .filter(({ relative }) => sent.has(relative))
      .filter(({ relative }) => !nested.some((root) => `${dir}/${relative}`.startsWith(`${root}/`)))
      .filter(({ relative }) => this.belongsToContext(stage, dir, relative))
      .map(({ relative, mode }) => ({ ...this.contextFile(stage, dir, relative), mode }));
  }

  private nestedStageRoots(dir: string): string[] {
    return [...this.context.graph.stages.values()].map((other) => other.root).filter((root) => dir === '.' || root.startsWith(`${dir}/`));
  }

  private belongsToContext(stage: Stage, dir: string, file: string): boolean {
    return dir !== stage.root || !STAGE_DEFINITION_FILES.includes(file);
  }

  private contextFile(stage: Stage, dir: string, file: string) {
    const prefix = stage.build.type === 'dockerfile' ? '' : 'source/';
    return { contextPath: `${prefix}${file}`, file: posix.join(dir, file) };
  }

  /**
   * The declared input files. A glob in `inputs` that matches nothing is a
   * mistake the key would hide (a typo, a moved file); only `optionalInputs` may be empty.
   */
  private async hashInputs(stage: Stage): Promise<HashedFile[]> {
    const { workspaceRoot } = this.context;
    const required = await Promise.all(stage.inputs.map((glob) => globWorkspace(workspaceRoot, [inputGlobPath(stage.root, glob)])));
    required.forEach((matches, index) => {
      if (matches.length === 0) {
        throw new StageError(
          definingFile(stage),
          `/inputs/${index}`,
          `the input glob '${stage.inputs[index]}' matches no file; fix it, or move it to "optionalInputs" if it may match nothing`,
        );
      }
    });
    const optional = await globWorkspace(workspaceRoot, (stage.optionalInputs ?? []).map((glob) => inputGlobPath(stage.root, glob)));
    const files = [...new Set([...required.flat(), ...optional])].sort();
    return this.hashFiles(files);
  }
}

function stageDefinition(stage: Stage): Record<string, unknown> {
  const { root: _root, stageFile: _stageFile, dockerfilePath: _dockerfilePath, dockerfile: _dockerfile, ...definition } = stage;
  return definition;
}

/** The key names an upstream's packages by their declared globs; the upstream's key covers their content. */
function declaredPackageFiles(plan: StagePlan): string[] {
  return plan.stage.exports.packages.map((glob) => posix.basename(glob));
}

function upstreamRev(plan: StagePlan): string {
  return sourceRev(plan) ?? plan.key.slice(0, 16);
}

function sourceRev(plan: StagePlan): string | undefined {
  return plan.keyDocument.source?.['commit'] ?? plan.keyDocument.source?.['rev'];
}
