import { Readable } from 'stream';
import { EngineMessage, LineSplitter, readEngineMessages, stripTerminalEscapes } from './progress';

describe('LineSplitter', () => {
  it('joins pieces into lines and flushes the last unterminated one', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push('Step 1/2 : FROM scratch');
    splitter.push('\n');
    splitter.push(' ---> abc\r\nhello\n\nwor');
    splitter.push('ld');
    splitter.end();
    expect(lines).toEqual(['Step 1/2 : FROM scratch', ' ---> abc', 'hello', '', 'world']);
  });

  it('emits nothing for a trailing newline', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push('one\n');
    splitter.end();
    expect(lines).toEqual(['one']);
  });
});

describe('readEngineMessages', () => {
  it('parses JSON lines split across chunks and keeps non-JSON lines as text', async () => {
    const chunks = ['{"stream":"Step 1/1 : FROM scratch"}\n{"str', 'eam":"\\n"}\r\n\n', 'garbage\n', '{"aux":{"ID":"sha256:ab"}}'];
    const messages: EngineMessage[] = [];
    await readEngineMessages(Readable.from(chunks.map((c) => Buffer.from(c))), (m) => messages.push(m));
    expect(messages).toEqual([
      { stream: 'Step 1/1 : FROM scratch' },
      { stream: '\n' },
      { stream: 'garbage\n' },
      { aux: { ID: 'sha256:ab' } },
    ]);
  });

  it('keeps a multi-byte character that is split between chunks', async () => {
    const bytes = Buffer.from('{"stream":"café ✓"}\n');
    const cut = bytes.indexOf(Buffer.from('✓')) + 1;
    const messages: EngineMessage[] = [];
    await readEngineMessages(Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)]), (m) => messages.push(m));
    expect(messages).toEqual([{ stream: 'café ✓' }]);
  });
});

describe('stripTerminalEscapes', () => {
  it("removes the legacy builder's colours, cursor moves and titles and keeps the text", () => {
    expect(stripTerminalEscapes('\x1b[91mconfigure: WARNING: unrecognized option\x1b[0m')).toBe('configure: WARNING: unrecognized option');
    expect(stripTerminalEscapes('\x1b[1A\x1b[2K#5 [2/3] RUN make\x1b]0;title\x07 done\x1b(B')).toBe('#5 [2/3] RUN make done');
    expect(stripTerminalEscapes('plain [91m text')).toBe('plain [91m text');
  });
});
