import { stageLabels } from './labels';

const key = 'ab'.repeat(32);

describe('stageLabels', () => {
  it('labels a stage with a rev and a source', () => {
    expect(stageLabels({ stage: 'zlib', key, keyFormat: 1, rev: 'c0ffee12', source: 'https://github.com/madler/zlib' })).toEqual({
      'dev.stagecraft.stage': 'zlib',
      'dev.stagecraft.key': key,
      'dev.stagecraft.key-format': '1',
      'dev.stagecraft.rev': 'c0ffee12',
      'org.opencontainers.image.title': 'zlib',
      'org.opencontainers.image.version': 'c0ffee12',
      'org.opencontainers.image.revision': 'c0ffee12',
      'org.opencontainers.image.source': 'https://github.com/madler/zlib',
    });
  });

  it('uses the key prefix as version and omits rev, source and created when absent', () => {
    expect(stageLabels({ stage: 'base', key, keyFormat: '2' })).toEqual({
      'dev.stagecraft.stage': 'base',
      'dev.stagecraft.key': key,
      'dev.stagecraft.key-format': '2',
      'org.opencontainers.image.title': 'base',
      'org.opencontainers.image.version': key.slice(0, 16),
    });
  });

  it('adds created only when given', () => {
    const labels = stageLabels({ stage: 'base', key, keyFormat: 1, created: '2026-01-01T00:00:00Z' });
    expect(labels['org.opencontainers.image.created']).toBe('2026-01-01T00:00:00Z');
  });

  it('rejects a key that is not 64 lowercase hex digits', () => {
    expect(() => stageLabels({ stage: 'base', key: key.slice(1), keyFormat: 1 })).toThrow('stage "base": key must be 64');
    expect(() => stageLabels({ stage: 'base', key: key.toUpperCase(), keyFormat: 1 })).toThrow('64 lowercase hex');
  });
});
