/** Reading the Engine's JSON-lines progress stream (build, push, pull). */
import { StringDecoder } from 'string_decoder';

export interface EngineMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: { ID?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** Calls onMessage for each JSON message of the stream; resolves when the stream ends. */
export async function readEngineMessages(stream: NodeJS.ReadableStream, onMessage: (message: EngineMessage) => void): Promise<void> {
  const lines = new LineSplitter((line) => {
    if (line.trim()) onMessage(parseMessage(line));
  });
  const decoder = new StringDecoder('utf8');
  for await (const chunk of stream) lines.push(typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
  lines.push(decoder.end());
  lines.end();
}

function parseMessage(line: string): EngineMessage {
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as EngineMessage;
  } catch {
    // Not JSON: keep it as log text rather than lose it.
  }
  return { stream: line + '\n' };
}

/**
 * Terminal control sequences (colours such as the legacy builder's ESC[91m around a
 * step's stderr, cursor moves, window titles): CSI, OSC and the other ESC sequences.
 */
const TERMINAL_ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[ -/]*[0-~]/g;

/** The text without terminal escapes, for output that is not a terminal (log files, CI). */
export function stripTerminalEscapes(text: string): string {
  return text.replace(TERMINAL_ESCAPES, '');
}

/**
 * Joins text that arrives in pieces and hands out whole lines, without their
 * newline (and without a trailing carriage return). end() flushes a last
 * unterminated line; nothing is emitted for a trailing newline.
 */
export class LineSplitter {
  private pending = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(text: string): void {
    this.pending += text;
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) !== -1) {
      this.emit(this.pending.slice(0, newline));
      this.pending = this.pending.slice(newline + 1);
    }
  }

  end(): void {
    if (this.pending) this.emit(this.pending);
    this.pending = '';
  }

  private emit(line: string): void {
    this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }
}
