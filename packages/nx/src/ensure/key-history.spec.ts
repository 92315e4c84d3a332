import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyDocument } from '../key/key';
import { KeyHistory } from './key-history';

describe('KeyHistory', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'stagecraft-history-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const document = { keyFormat: 1, stage: 'zlib', context: [], inputs: [], upstream: {} } as unknown as KeyDocument;

  it('gives back what it recorded', () => {
    new KeyHistory(dir).record('zlib', document);
    expect(new KeyHistory(dir).last('zlib')).toEqual(document);
  });

  it.each([['truncated', '{"keyFormat":1,"sta'], ['garbage', '\u0000garbage'], ['null', 'null'], ['another shape', '{"a":1}']])(
    'a %s record counts as no record, and the next build records over it',
    (_kind, content) => {
      mkdirSync(join(dir, 'keys'));
      writeFileSync(join(dir, 'keys', 'zlib.json'), content);
      const history = new KeyHistory(dir);
      expect(history.last('zlib')).toBeUndefined();
      history.record('zlib', document);
      expect(history.last('zlib')).toEqual(document);
    },
  );

  it('keeps the last three tags of a stage, newest first, for cachefrom', () => {
    const history = new KeyHistory(dir);
    for (const tag of ['r/x-zlib:1', 'r/x-zlib:2', 'r/x-zlib:1', 'r/x-zlib:3', 'r/x-zlib:4']) history.record('zlib', document, tag);
    expect(history.previousTags('zlib')).toEqual(['r/x-zlib:4', 'r/x-zlib:3', 'r/x-zlib:1']);
    expect(history.previousTags('other')).toEqual([]);
  });
});
