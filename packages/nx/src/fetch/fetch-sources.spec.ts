import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Stage } from '../stage/types';
import { archivePath } from '../sources/fetch-archive';
import { fetchStageSource } from './fetch-sources';

describe("the sources target fetches a Dockerfile stage's downloads", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'stagecraft-downloads-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('puts each download into the store by its sha256 once, and refuses one whose content has another sha256', async () => {
    const file = join(root, 'tini');
    writeFileSync(file, 'tini 0.19.0\n');
    const sha256 = createHash('sha256').update('tini 0.19.0\n').digest('hex');
    const stage = (checksum: string) =>
      ({ name: 'app', root: 'app', stageFile: 'app/stage.json', build: { type: 'dockerfile', downloads: [{ url: pathToFileURL(file).href, sha256: checksum, path: '.stagecraft/downloads/0-0/tini' }] } }) as unknown as Stage;
    const options = { workspaceRoot: root, cacheDir: join(root, 'cache'), log: () => undefined, sourcesTarget: 'sources' };

    expect(await fetchStageSource(stage(sha256), options)).toEqual({ stage: 'app', status: 'fetched' });
    expect(readFileSync(archivePath(options.cacheDir, sha256), 'utf8')).toBe('tini 0.19.0\n');
    expect(await fetchStageSource(stage(sha256), options)).toEqual({ stage: 'app', status: 'present' });
    const wrong = await fetchStageSource(stage('0'.repeat(64)), options);
    expect(wrong.status).toBe('failed');
    expect(wrong.error).toContain('app/stage.json at /build/downloads/0');
  });
});
