/** Reading a build's progress messages, one reader per builder, into the same build log. */
import type { BuildLog } from './build-log';
import { BuildKitTrace, decodeStatus, IMAGE_ID, TRACE_ID } from './buildkit-trace';
import { LineSplitter, type EngineMessage } from './progress';

export interface ProgressReader {
  read(message: EngineMessage): void;
  /** The id of the image the build made, once the Engine said it. */
  readonly imageId: string | undefined;
  /** What the Engine said when the build failed. */
  readonly engineMessage: string | undefined;
  /** The step that failed: its name and its id in the log. */
  failedStep(): { name: string; id: string } | undefined;
}

const STEP_LINE = /^Step \d+\/\d+ : /;
const USING_CACHE = ' ---> Using cache';
/** Lines the legacy builder prints about its own work, not the step's output. */
export const BUILDER_CHATTER = /^( ---> |Removing intermediate container |Successfully built |Successfully tagged )/;

/** The legacy builder: "Step N/M : ..." lines, the steps' output and " ---> " notes, all as stream text. */
export class LegacyReader implements ProgressReader {
  imageId: string | undefined;
  engineMessage: string | undefined;
  private steps = 0;
  private current: { name: string; id: string } | undefined;
  private readonly lines: LineSplitter;

  constructor(private readonly log: BuildLog) {
    this.lines = new LineSplitter((line) => this.line(line));
  }

  read(message: EngineMessage): void {
    if (typeof message.stream === 'string') this.lines.push(message.stream);
    if (message.aux?.ID) this.imageId = message.aux.ID;
    const error = message.errorDetail?.message ?? message.error;
    if (error) {
      this.lines.end();
      this.engineMessage = error;
      this.log.line(this.current ? `ERROR ${this.current.name}: ${error}` : `ERROR ${error}`);
    }
  }

  failedStep() {
    this.lines.end();
    return this.current;
  }

  private line(line: string): void {
    if (STEP_LINE.test(line)) {
      if (this.current) this.log.stepEnded(this.current.id);
      this.current = { name: line, id: `step-${++this.steps}` };
      this.log.stepStarted(this.current.id, line);
    } else if (line === USING_CACHE && this.current) {
      this.log.line(line);
      this.log.stepCached(this.current.name);
    } else if (BUILDER_CHATTER.test(line) || !this.current) {
      this.log.line(line);
    } else {
      this.log.output(this.current.id, `${line}\n`);
    }
  }
}

/** BuildKit: vertexes and their logs in trace messages, the image id in its own aux message. */
export class BuildKitReader implements ProgressReader {
  imageId: string | undefined;
  engineMessage: string | undefined;
  private readonly trace: BuildKitTrace;

  constructor(private readonly log: BuildLog) {
    this.trace = new BuildKitTrace(log);
  }

  read(message: EngineMessage): void {
    const aux: unknown = message.aux;
    if (message.id === TRACE_ID && typeof aux === 'string') {
      this.trace.apply(decodeStatus(aux));
    } else if (message.id === IMAGE_ID && message.aux?.ID) {
      this.imageId = message.aux.ID;
    } else if (typeof message.stream === 'string') {
      // An Engine that ignores version=2 answers like the legacy builder; its text is still the build's output.
      this.log.output(undefined, message.stream);
    } else if (message.aux?.ID) {
      this.imageId = message.aux.ID;
    }
    const error = message.errorDetail?.message ?? message.error;
    if (error) this.engineMessage = error;
  }

  failedStep() {
    const { failedStep, failedStepId } = this.trace;
    return failedStep !== undefined && failedStepId !== undefined ? { name: failedStep, id: failedStepId } : undefined;
  }
}
