/** A build's output as lines, the same for both builders: steps, their output, CACHED and ERROR markers, heartbeats. */
import { LineSplitter } from './progress';

const TAIL_LINES = 20;
export const HEARTBEAT_MS = 10_000;

interface Step {
  name: string;
  startedAt: number;
  output: string[];
}

/**
 * Collects what a build prints. Each line goes to onLine as it comes; the last
 * lines of the build and of each step are kept for the failure message; while
 * a step runs, a line naming it goes out every heartbeatMs.
 */
export class BuildLog {
  readonly lines: string[] = [];
  private readonly steps = new Map<string, Step>();
  private readonly running = new Set<string>();
  private readonly splitters = new Map<string, LineSplitter>();
  private lastStep: string | undefined;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly onLine: (line: string) => void,
    heartbeatMs = HEARTBEAT_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.heartbeat = setInterval(() => this.beat(), heartbeatMs);
    this.heartbeat.unref();
  }

  /** A step (by id) starts: its name is printed and it counts as running until stepEnded. */
  stepStarted(id: string, name: string): void {
    if (this.running.has(id)) return;
    this.steps.set(id, { name, startedAt: this.now(), output: [] });
    this.running.add(id);
    this.lastStep = id;
    this.line(name);
  }

  stepEnded(id: string): void {
    this.running.delete(id);
    this.splitters.get(id)?.end();
  }

  /** A step that was not run because the builder's cache had it. */
  stepCached(name: string): void {
    this.line(`CACHED ${name}`);
  }

  /** Output text of a step (or of the build when id is undefined), in pieces that may split lines. */
  output(id: string | undefined, text: string): void {
    const key = id ?? '';
    let splitter = this.splitters.get(key);
    if (!splitter) {
      splitter = new LineSplitter((line) => {
        const step = id === undefined ? undefined : this.steps.get(id);
        if (step) keepLast(step.output, line);
        this.line(line);
      });
      this.splitters.set(key, splitter);
    }
    splitter.push(text);
  }

  /** A line of its own (not step output). */
  line(line: string): void {
    keepLast(this.lines, line);
    this.onLine(line);
  }

  nameOf(id: string): string | undefined {
    return this.steps.get(id)?.name;
  }

  /** The step that started last: the one a legacy build was running when it failed. */
  get currentStep(): string | undefined {
    return this.lastStep;
  }

  /** The last lines a step printed, or the build's last lines when the step printed none. */
  tailOf(id: string | undefined): string[] {
    const step = id === undefined ? undefined : this.steps.get(id);
    return step?.output.length ? [...step.output] : [...this.lines];
  }

  end(): void {
    clearInterval(this.heartbeat);
    for (const splitter of this.splitters.values()) splitter.end();
  }

  private beat(): void {
    const now = this.now();
    for (const id of this.running) {
      const step = this.steps.get(id)!;
      this.line(`still running: ${step.name} (${Math.round((now - step.startedAt) / 1000)} s)`);
    }
  }
}

function keepLast(lines: string[], line: string): void {
  lines.push(line);
  if (lines.length > TAIL_LINES) lines.shift();
}
