import { explainKeyChange } from './explain';
import type { KeyDocument } from './key';

const base: KeyDocument = {
  keyFormat: 1,
  stage: 'zlib',
  platform: 'linux/amd64',
  definition: { name: 'zlib' },
  dockerfile: 'FROM x\n',
  generated: {},
  context: [
    { path: 'source/a.c', mode: '644', sha256: 'a'.repeat(64) },
    { path: 'source/gone.c', mode: '644', sha256: 'b'.repeat(64) },
  ],
  contextTree: null,
  inputs: [{ path: 'common/rules.mk', mode: '644', sha256: 'c'.repeat(64) }],
  env: { FEATURE: 'on' },
  source: null,
  upstream: { base: '1'.repeat(64) },
  bucket: '2026-W47',
};

describe('explainKeyChange', () => {
  it('says nothing changed for the same document', () => {
    expect(explainKeyChange(base, base)).toEqual([]);
  });

  it('names each changed input in plain words', () => {
    const after: KeyDocument = {
      ...base,
      bucket: '2026-W48',
      context: [
        { path: 'source/a.c', mode: '755', sha256: 'a'.repeat(64) },
        { path: 'source/new.c', mode: '644', sha256: 'd'.repeat(64) },
      ],
      inputs: [{ path: 'common/rules.mk', mode: '644', sha256: 'e'.repeat(64) }],
      env: { FEATURE: 'off' },
      upstream: { base: '2'.repeat(64) },
    };
    expect(explainKeyChange(base, after)).toEqual([
      'the time bucket changed (2026-W47 -> 2026-W48)',
      'build context file source/a.c changed mode (644 -> 755)',
      'build context file source/new.c was added',
      'build context file source/gone.c was removed',
      'input file common/rules.mk changed',
      'env FEATURE changed ("on" -> "off")',
      'upstream stage base changed (key 1111111111111111 -> 2222222222222222)',
    ]);
  });
});
