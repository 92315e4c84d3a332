/** Building an image with BuildKit or the Engine's legacy builder, tagging it only once it is complete. */
import Docker from 'dockerode';
import { Readable } from 'stream';
import { BuildLog } from './build-log';
import type { Builder } from './builder';
import { engineErrorFor, engineLocation } from './engine';
import { ImageRef } from '../registry/reference';
import { imageExists } from './images';
import { requirePlatform } from './image-platform';
import { BUILDER_CHATTER, BuildKitReader, LegacyReader, type ProgressReader } from './build-readers';
import { readEngineMessages } from './progress';
import { DEFAULT_OPTIONS, type NetworkMode } from '../stage/types';
import { engineRequest } from '../util/request-pools';

export interface BuildRequest {
  tag: string;
  /** A tar of the build context with a Dockerfile at its root (see packContext). */
  context: NodeJS.ReadableStream;
  labels: Record<string, string>;
  buildArgs: Record<string, string>;
  /** The network RUN steps get (default: none). */
  network?: NetworkMode;
  noCache: boolean;
  /** Each line of build output, without its newline. */
  onLine: (line: string) => void;
  platform?: string;
  /** Images the Dockerfile takes FROM or COPY --from, with the stage that builds each. */
  upstreamRefs?: Map<string, string>;
  /** The Nx target that builds an upstream stage, named in the missing-upstream message (default: docker-stage). */
  upstreamTarget?: string;
  /** Default: the legacy builder. */
  builder?: Builder;
  /** Images whose inline cache BuildKit may reuse (earlier builds of the stage, in a registry). */
  cacheFrom?: string[];
  /** How often a line names the running step (default 10 s). */
  heartbeatMs?: number;
  /** Aborting it ends the build request, which stops the build in the Engine; nothing is tagged. */
  signal?: AbortSignal;
}

export interface BuildResult {
  imageId: string;
  durationMs: number;
}

export interface MissingUpstream {
  ref: string;
  stage: string;
  /** The Nx target that builds it. */
  target: string;
}

export class BuildError extends Error {
  constructor(
    message: string,
    readonly tag: string,
    /** What the Engine said, verbatim. */
    readonly engineMessage: string,
    /** The step that failed ("Step N/M : ..." or BuildKit's "[n/m] ..."), when the build got that far. */
    readonly step: string | undefined,
    readonly logTail: string[],
    readonly missingUpstream?: MissingUpstream,
  ) {
    super(message);
    this.name = 'BuildError';
  }
}

const STEP_LINE = /^Step \d+\/\d+ : /;
const BUILDKIT_STEP = /^\[[^\]]*\] /;
const MESSAGE_TAIL_LINES = 10;
const MISSING_IMAGE = /pull access denied|No such image|repository does not exist|manifest unknown|not found/i;

export async function buildImage(docker: Docker, req: BuildRequest): Promise<BuildResult> {
  const started = Date.now();
  const abort = new AbortController();
  let contextError: Error | undefined;
  req.context.once('error', (err: Error) => {
    contextError = err;
    abort.abort(err);
  });
  const cancel = () => abort.abort(req.signal?.reason);
  if (req.signal?.aborted) cancel();
  req.signal?.addEventListener('abort', cancel, { once: true });
  try {
    const { repo, tag } = ImageRef.parse(req.tag).engineTag();
    await requireUpstreams(docker, req);
    const imageId = await runBuild(docker, req, abort.signal, () => contextError);
    if (req.platform) {
      await requirePlatform(docker, imageId, req.tag, req.platform).catch(async (error: unknown) => {
        await removeUntagged(docker, imageId);
        throw error;
      });
    }
    if (req.signal?.aborted) {
      await removeUntagged(docker, imageId);
      throw new BuildError(`build of ${req.tag} cancelled before it was tagged`, req.tag, 'cancelled', undefined, []);
    }
    await docker.getImage(imageId).tag({ repo, tag });
    return { imageId, durationMs: Date.now() - started };
  } catch (err) {
    // The upstream check and the tag call can meet an Engine that went away, too.
    throw engineErrorFor(err, engineLocation(docker)) ?? err;
  } finally {
    req.signal?.removeEventListener('abort', cancel);
    // A build refused before it started leaves the context unread: release its open files.
    (req.context as Partial<Readable>).destroy?.();
  }
}

/** Removes an image no tag names (one a build made but must not keep); an image a tag names, or one in use, stays. */
async function removeUntagged(docker: Docker, imageId: string): Promise<void> {
  try {
    const image = (await docker.getImage(imageId).inspect()) as { RepoTags?: string[] };
    if (!(image.RepoTags ?? []).some((tag) => tag !== '<none>:<none>')) await docker.getImage(imageId).remove();
  } catch {
    // gone already, or the Engine keeps it for another image or a container
  }
}

/** Runs the build and returns the id of the image it made, untagged. */
async function runBuild(docker: Docker, req: BuildRequest, abortSignal: AbortSignal, contextError: () => Error | undefined): Promise<string> {
  const log = new BuildLog(req.onLine, req.heartbeatMs);
  const reader: ProgressReader = req.builder === 'buildkit' ? new BuildKitReader(log) : new LegacyReader(log);
  try {
    const progress = await docker.buildImage(req.context, { ...builderOptions(req), abortSignal });
    await readEngineMessages(progress, (message) => reader.read(message));
  } catch (err) {
    if (req.signal?.aborted) throw failure(req, log, reader, 'the build was cancelled');
    const unreadable = contextError();
    if (unreadable) throw failure(req, log, reader, `the build context could not be sent: ${unreadable.message}`);
    throw engineErrorFor(err, engineLocation(docker)) ?? failure(req, log, reader, engineMessageOf(err));
  } finally {
    log.end();
  }

  if (req.signal?.aborted) throw failure(req, log, reader, 'the build was cancelled');
  if (reader.engineMessage !== undefined) throw failure(req, log, reader, reader.engineMessage);
  const imageId = reader.imageId ?? (await idFromSuccessLine(docker, log.lines));
  if (!imageId) throw failure(req, log, reader, 'the Engine ended the build without reporting an image id');
  return imageId;
}

/** The same build for either builder: the stage's network (none by default), no pull, no intermediate containers left. */
function builderOptions(req: BuildRequest): Docker.ImageBuildOptions & Record<string, unknown> {
  const common = {
    dockerfile: 'Dockerfile',
    networkmode: req.network ?? 'none',
    rm: true,
    forcerm: true,
    pull: false,
    nocache: req.noCache,
    labels: req.labels,
    ...(req.platform ? { platform: req.platform } : {}),
  };
  if (req.builder !== 'buildkit') return { ...common, buildargs: req.buildArgs };
  return {
    ...common,
    version: '2',
    // The image carries its cache metadata, so a machine that pulls it can reuse its layers.
    buildargs: { ...req.buildArgs, BUILDKIT_INLINE_CACHE: '1' },
    ...(req.cacheFrom?.length ? { cachefrom: JSON.stringify(req.cacheFrom) } : {}),
  };
}

/**
 * The BuildError for a failed build: a missing upstream image when the failing
 * FROM / COPY --from step (or the Engine's "no such image" message) names one
 * of the upstream refs; otherwise the Engine's message at the failing step.
 */
export function buildFailure(
  tag: string,
  engineMessage: string,
  logTail: string[],
  upstreamRefs: Map<string, string> = new Map(),
  upstreamTarget = DEFAULT_OPTIONS.targetNames.dockerStage,
  step: string | undefined = [...logTail].reverse().find((line) => STEP_LINE.test(line)),
): BuildError {
  const missing = findMissingUpstream(engineMessage, step, upstreamRefs, upstreamTarget);
  if (missing) {
    return new BuildError(missingUpstreamMessage(missing), tag, engineMessage, step, logTail, missing);
  }
  const at = step ? ` at "${step}"` : '';
  const output = logTail.filter((line) => line !== step && !STEP_LINE.test(line) && !BUILDER_CHATTER.test(line)).slice(-MESSAGE_TAIL_LINES);
  const tail = output.map((line) => `\n  | ${line}`).join('');
  return new BuildError(`build of ${tag} failed${at}: ${engineMessage}${tail}`, tag, engineMessage, step, logTail);
}

/** The Dockerfile instruction of a step line, without the builder's "Step N/M : " or "[n/m] " prefix. */
export function stepInstruction(step: string): string {
  return step.replace(STEP_LINE, '').replace(BUILDKIT_STEP, '');
}

/** A build that failed in one of its RUN instructions. */
export function failedInRun(error: unknown): error is BuildError {
  return error instanceof BuildError && error.step !== undefined && /^RUN\s/i.test(stepInstruction(error.step));
}

function findMissingUpstream(
  engineMessage: string,
  step: string | undefined,
  upstreamRefs: Map<string, string>,
  target: string,
): MissingUpstream | undefined {
  const instruction = step === undefined ? undefined : stepInstruction(step);
  const pullsAnImage = instruction !== undefined && /^(FROM|COPY)\s/i.test(instruction);
  for (const [ref, stage] of upstreamRefs) {
    const namedByStep = pullsAnImage && mentions(instruction, ref);
    // "pull access denied for <repo>, ..." names the repository without its tag.
    const namedByError = MISSING_IMAGE.test(engineMessage) && (mentions(engineMessage, ref) || mentions(engineMessage, repoOf(ref)));
    if (namedByStep || namedByError) return { ref, stage, target };
  }
  return undefined;
}

function repoOf(ref: string): string {
  return ImageRef.parse(ref).repository;
}

function mentions(text: string, ref: string): boolean {
  return new RegExp(`(^|[\\s=])${ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[\\s:,])`).test(text);
}

function missingUpstreamMessage({ ref, stage, target }: MissingUpstream): string {
  return `upstream image ${ref} is missing: build its stage first (nx run ${stage}:${target}), then build this one again`;
}

async function requireUpstreams(docker: Docker, req: BuildRequest): Promise<void> {
  const upstreams = [...(req.upstreamRefs ?? [])];
  const present = await Promise.all(upstreams.map(([ref]) => engineRequest(() => imageExists(docker, ref))));
  const absent = upstreams.find((_, index) => !present[index]);
  if (absent) {
    const [ref, stage] = absent;
    const missing = { ref, stage, target: req.upstreamTarget ?? DEFAULT_OPTIONS.targetNames.dockerStage };
    throw new BuildError(missingUpstreamMessage(missing), req.tag, `No such image: ${ref}`, undefined, [], missing);
  }
}

function failure(req: BuildRequest, log: BuildLog, reader: ProgressReader, engineMessage: string): BuildError {
  log.end();
  const step = reader.failedStep();
  return buildFailure(req.tag, engineMessage, log.tailOf(step?.id), req.upstreamRefs, req.upstreamTarget, step?.name);
}

async function idFromSuccessLine(docker: Docker, lines: string[]): Promise<string | undefined> {
  const shortId = lines.map((line) => /^Successfully built ([0-9a-f]{12,64})$/.exec(line)?.[1]).find(Boolean);
  return shortId ? (await docker.getImage(shortId).inspect()).Id : undefined;
}

function engineMessageOf(err: unknown): string {
  const json = (err as { json?: { message?: unknown } } | null)?.json;
  if (json && typeof json.message === 'string') return json.message;
  return err instanceof Error ? err.message : String(err);
}
