import { describePrune, type PruneReport } from './prune-stage';

const stale = { id: 'old', tags: ['127.0.0.1:5000/acme-zlib:2026-W46-aaaa'], created: 1, size: 2048 };
const report = (overrides: Partial<PruneReport>): PruneReport => ({ removed: [stale], kept: [], inUse: [], bytesFreed: 2048, registryDeleted: [], ...overrides });

describe('the prune summary', () => {
  it('counts local images, bytes and registry manifests', () => {
    expect(describePrune('zlib', report({ registryDeleted: ['2026-W46-aaaa'] }), false)).toEqual([
      'zlib: removed 127.0.0.1:5000/acme-zlib:2026-W46-aaaa (2.0 KB)',
      'zlib: removed 2026-W46-aaaa in the registry',
      'zlib: removed 1 local image(s), 2.0 KB freed; 1 registry manifest(s); kept 0 image(s)',
    ]);
  });

  it('gives a registry that refuses deletion one warning, and says a failed registry part came after the local one', () => {
    const refused = describePrune('zlib', report({ registryRefusal: 'registry 127.0.0.1:5000 refuses to delete manifests' }), false);
    expect(refused.filter((line) => line.includes('refuses'))).toEqual(['zlib: warning: registry 127.0.0.1:5000 refuses to delete manifests']);
    const failed = describePrune('zlib', report({ registryFailure: 'registry 127.0.0.1:5000 is unreachable' }), false);
    expect(failed).toContain('zlib: the registry part of the prune failed (the local part is done): registry 127.0.0.1:5000 is unreachable');
  });
});
