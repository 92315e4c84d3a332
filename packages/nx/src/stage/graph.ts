import { parseDockerfileRefs } from '../dockerfile/dockerfile-refs';
import { externalImagesOf, isExternalImage, namesTagOrDigest, type ExternalImageUse } from './external-images';
import { definingFile } from './definition-files';
import { StageError, StageErrors } from './errors';
import type { ResolvedOptions, Stage } from './types';
import { editDistance } from './edit-distance';
import { RESERVED_STAGE_NAMES } from './names';

/** An edge from a stage to an upstream stage, with the file and field that declares it. */
export interface StageEdge {
  source: string;
  target: string;
  file: string;
  pointer: string;
  /**
   * True for an aggregate's default-base edge when the stages it aggregates
   * already build on that base. The planner uses it; the Nx project graph
   * leaves it out, so the graph shows what the aggregate collects.
   */
  implied?: boolean;
}

/** What a stage builds on: an upstream stage, or an external image reference. */
export type StageBase = { stage: string } | { image: string } | { none: true };

export interface StageGraph {
  stages: Map<string, Stage>;
  edges: StageEdge[];
  /** Stage names in dependency order: every stage after all its upstreams. */
  order: string[];
  /** Direct upstream stage names of a stage, sorted and unique. */
  upstreamOf(name: string): string[];
  /**
   * The upstream stages whose images a build of this stage needs: all of them,
   * except that a package-consuming stage takes its depends' packages instead.
   */
  imageUpstreamOf(name: string): string[];
  baseOf(name: string): StageBase;
  /** The external images the stage builds with (its base, or its Dockerfile's images), once each. */
  externalImagesOf(name: string): ExternalImageUse[];
}

const DEFAULT_BASE_POINTER = '/from (defaultBase)';

/**
 * Builds and checks the stage graph: duplicate names, missing upstreams and
 * cycles are errors naming their files. A reference to a stage that failed to
 * load (`unloaded`) is left out without an error: the load error says it all.
 */
export function buildStageGraph(stageList: Stage[], options: ResolvedOptions, unloaded: (name: string) => boolean = () => false): StageGraph {
  const errors: StageError[] = [];
  const stages = new Map<string, Stage>();
  for (const stage of stageList) {
    const reserved = RESERVED_STAGE_NAMES.get(stage.name);
    if (reserved) {
      errors.push(new StageError(definingFile(stage), stage.stageFile ? '/name' : '', `stage name '${stage.name}' is reserved (${reserved}): give the stage another name`));
      continue;
    }
    const earlier = stages.get(stage.name);
    if (earlier) {
      errors.push(
        new StageError(
          definingFile(stage),
          stage.stageFile ? '/name' : '',
          `stage name '${stage.name}' is already used by ${definingFile(earlier)}; stage names must be unique`,
        ),
      );
      continue;
    }
    stages.set(stage.name, stage);
  }

  const edges: StageEdge[] = [];
  const bases = new Map<string, StageBase>();
  for (const stage of stages.values()) {
    const { base, stageEdges, stageErrors } = resolveStage(stage, stages, options, unloaded);
    bases.set(stage.name, base);
    edges.push(...stageEdges);
    errors.push(...stageErrors);
  }
  if (errors.length) throw new StageErrors(errors);

  const upstream = new Map<string, string[]>();
  for (const name of stages.keys()) upstream.set(name, []);
  for (const edge of edges) upstream.get(edge.source)!.push(edge.target);
  for (const [name, list] of upstream) upstream.set(name, [...new Set(list)].sort());

  const order = topologicalOrder(stages, upstream);
  markImpliedBaseEdges(edges, upstream, stages);
  return {
    stages,
    edges,
    order,
    upstreamOf: (name) => upstream.get(name) ?? [],
    imageUpstreamOf: (name) => {
      const stage = stages.get(name);
      const all = upstream.get(name) ?? [];
      if (!stage?.consumePackages) return all;
      const base = bases.get(name);
      return all.filter((upstreamName) => !stage.depends.includes(upstreamName) || (base && 'stage' in base && base.stage === upstreamName));
    },
    baseOf: (name) => bases.get(name) ?? { none: true },
    externalImagesOf: (name) => {
      const stage = stages.get(name);
      return stage ? externalImagesOf(stage, options.defaultBase, (other) => stages.has(other), options.platform) : [];
    },
  };
}

function resolveStage(stage: Stage, stages: Map<string, Stage>, options: ResolvedOptions, unloaded: (name: string) => boolean) {
  const stageErrors: StageError[] = [];
  const stageEdges: StageEdge[] = [];
  const file = definingFile(stage);
  const edge = (target: string, edgeFile: string, pointer: string) =>
    stageEdges.push({ source: stage.name, target, file: edgeFile, pointer });

  stage.depends.forEach((name, index) => {
    if (stages.has(name)) edge(name, file, `/depends/${index}`);
    else if (!unloaded(name)) stageErrors.push(new StageError(file, `/depends/${index}`, missingStage(name, stages)));
  });

  let base: StageBase = { none: true };
  if (stage.build.type === 'dockerfile') {
    for (const ref of parseDockerfileRefs(stage.dockerfile ?? '', { buildArgs: stage.build.args, platform: options.platform })) {
      if (stages.has(ref.name) && ref.name !== stage.name) edge(ref.name, stage.dockerfilePath!, `line ${ref.line}`);
    }
  } else {
    const explicit = stage.from !== undefined;
    const from = stage.from ?? (options.defaultBase !== stage.name ? options.defaultBase : undefined);
    const pointer = explicit ? '/from' : '';
    if (from === undefined) {
      stageErrors.push(
        new StageError(file, '/from', 'no base image: set "from" (a stage or an image such as debian:12) or the plugin option defaultBase'),
      );
    } else if (stages.has(from) && from !== stage.name) {
      base = { stage: from };
      edge(from, file, pointer || DEFAULT_BASE_POINTER);
    } else if (from === 'scratch' || (isExternalImage(from, (name) => stages.has(name)) && namesTagOrDigest(from))) {
      base = { image: from };
    } else if (!unloaded(from)) {
      const where = explicit ? '' : ' (from the plugin option defaultBase)';
      stageErrors.push(
        new StageError(
          file,
          '/from',
          `'${from}'${where} is neither another stage of this workspace nor an image reference with a tag or digest (such as debian:12)`,
        ),
      );
    }
  }
  return { base, stageEdges, stageErrors };
}

function markImpliedBaseEdges(edges: StageEdge[], upstream: Map<string, string[]>, stages: Map<string, Stage>): void {
  const reaches = (from: string, target: string, seen = new Set<string>()): boolean => {
    if (from === target) return true;
    if (seen.has(from)) return false;
    seen.add(from);
    return (upstream.get(from) ?? []).some((next) => reaches(next, target, seen));
  };
  for (const edge of edges) {
    if (edge.pointer !== DEFAULT_BASE_POINTER || stages.get(edge.source)?.build.type !== 'aggregate') continue;
    const source = edge.source;
    const others = (upstream.get(source) ?? []).filter((name) => name !== edge.target);
    if (others.some((name) => reaches(name, edge.target))) edge.implied = true;
  }
}

function topologicalOrder(stages: Map<string, Stage>, upstream: Map<string, string[]>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    const seen = state.get(name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      const described = cycle.map((n) => `${n} (${definingFile(stages.get(n)!)})`).join(' -> ');
      throw new StageErrors([new StageError(definingFile(stages.get(name)!), '', `dependency cycle: ${described}`)]);
    }
    state.set(name, 'visiting');
    for (const next of upstream.get(name) ?? []) visit(next, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of [...stages.keys()].sort()) visit(name, []);
  return order;
}

function missingStage(name: string, stages: Map<string, Stage>): string {
  const similar = [...stages.keys()]
    .filter((known) => known.startsWith(name) || name.startsWith(known) || isTypo(known, name))
    .sort()
    .slice(0, 3);
  const hint = similar.length ? `; did you mean ${similar.map((s) => `'${s}'`).join(' or ')}?` : '';
  return `no stage named '${name}' in this workspace${hint}`;
}

function isTypo(known: string, name: string): boolean {
  const distance = editDistance(known, name);
  return distance <= 2 && distance < Math.min(known.length, name.length) / 2;
}
