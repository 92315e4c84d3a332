/**
 * BuildKit's progress through the Engine API: `moby.buildkit.trace` aux
 * messages, each a base64 protobuf StatusResponse (decoded with the schema
 * dockerode ships), turned into the build log's steps and lines.
 */
import { createRequire } from 'node:module';
import type { Type } from 'protobufjs';
import type { BuildLog } from './build-log';

export const TRACE_ID = 'moby.buildkit.trace';
export const IMAGE_ID = 'moby.image.id';

export interface Vertex {
  digest: string;
  name?: string;
  cached?: boolean;
  started?: unknown;
  completed?: unknown;
  error?: string;
}

export interface VertexLog {
  vertex: string;
  /** 1 stdout, 2 stderr. */
  stream?: number | string;
  msg: Uint8Array;
}

export interface StatusResponse {
  vertexes?: Vertex[];
  logs?: VertexLog[];
  warnings?: { vertex?: string; short?: Uint8Array }[];
}

let statusType: Type | undefined;

export function decodeStatus(base64: string): StatusResponse {
  if (!statusType) {
    const load = createRequire(__filename);
    const protobuf = load('protobufjs') as typeof import('protobufjs');
    statusType = protobuf.loadSync(load.resolve('dockerode/lib/proto/buildkit_status.proto')).lookupType('moby.buildkit.v1.StatusResponse');
  }
  return statusType.toObject(statusType.decode(Buffer.from(base64, 'base64')), { longs: Number }) as StatusResponse;
}

/** Follows the vertexes of one build: announces each once, marks the cached and failed ones. */
export class BuildKitTrace {
  private readonly announced = new Set<string>();
  private readonly finished = new Set<string>();
  /** The first step that failed, by name. */
  failedStep: string | undefined;
  failedStepId: string | undefined;

  constructor(private readonly log: BuildLog) {}

  apply(status: StatusResponse): void {
    for (const vertex of status.vertexes ?? []) this.vertex(vertex);
    for (const entry of status.logs ?? []) this.log.output(entry.vertex, Buffer.from(entry.msg).toString('utf8'));
    for (const warning of status.warnings ?? []) {
      if (warning.short?.length) this.log.line(`WARNING: ${Buffer.from(warning.short).toString('utf8')}`);
    }
  }

  private vertex(vertex: Vertex): void {
    const { digest } = vertex;
    const name = vertex.name ?? digest;
    if (this.finished.has(digest)) return;
    if (vertex.cached) {
      this.finished.add(digest);
      if (this.announced.has(digest)) this.log.stepEnded(digest);
      this.log.stepCached(name);
      return;
    }
    if (vertex.started && !this.announced.has(digest)) {
      this.announced.add(digest);
      this.log.stepStarted(digest, name);
    }
    if (vertex.completed) {
      this.finished.add(digest);
      this.log.stepEnded(digest);
    }
    if (vertex.error) {
      this.log.line(`ERROR ${name}: ${vertex.error}`);
      if (this.failedStep === undefined) {
        this.failedStep = name;
        this.failedStepId = digest;
      }
    }
  }
}
