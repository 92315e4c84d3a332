import Docker from 'dockerode';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFilesFromImage } from '../../docker/archive';
import { buildExternalBase, pinLocalBase, removeImagesNamed, stageTagsNamed, tagsNamed, uniqueImageName } from '../../../testing/engine';
import { createTestWorkspace, writeBusyboxBase, type TestWorkspace } from '../../../testing/workspace';

const docker = new Docker();
const CLOCK = { STAGECRAFT_NOW: '2026-11-21T12:00:00Z' };


describe('package target and package-consuming stages', () => {
  const imageName = uniqueImageName('pkg');
  const externalBase = `${imageName}-external:1`;
  let workspace: TestWorkspace;

  beforeAll(async () => {
    await buildExternalBase(externalBase);
    workspace = createTestWorkspace({ imageName, defaultBase: 'base' });
    writeBusyboxBase(workspace);
    workspace.write('producer/stage.json', {
      build: {
        type: 'custom',
        steps: [
          'mkdir -p /out /tmp/p/share',
          'cat greeting.txt > /tmp/p/share/producer.txt',
          'tar -C /tmp/p -czf /out/producer-1.0.tar.gz share',
        ],
      },
      exports: { packages: ['/out/*.tar.gz'] },
    });
    workspace.write('producer/greeting.txt', 'hello from the producer\n');
    workspace.write('consumer/stage.json', {
      from: externalBase,
      depends: ['producer'],
      consumePackages: true,
      build: { type: 'custom', steps: ['cp /usr/local/share/producer.txt /usr/local/share/consumer.txt'] },
    });
    await pinLocalBase(workspace, 'consumer', externalBase);
    workspace.write('second/stage.json', {
      build: { type: 'custom', steps: ['mkdir -p /out', 'echo second > /out/second.txt'] },
      exports: { packages: ['/out/second.txt'] },
    });
    workspace.write('empty/stage.json', {
      build: { type: 'custom', steps: ['true'] },
      exports: { packages: ['/out/*.deb'] },
    });
  });
  afterAll(async () => {
    workspace.remove();
    await removeImagesNamed(imageName);
  });

  it('copies the matching files out of the image into dist/packages/<stage>, with stable names (one task, the plain implementation)', () => {
    const run = workspace.nx(['run', 'producer:package', '--output-style=static'], { ...CLOCK, NX_BATCH_MODE: 'false' });
    expect(run.status).toBe(0);
    expect(run.stdout + run.stderr).not.toContain('in one batch');
    const dir = join(workspace.root, 'dist/packages/producer');
    expect(readdirSync(dir)).toEqual(['producer-1.0.tar.gz']);
    const provenance = JSON.parse(readFileSync(join(workspace.root, 'dist/packages/producer.provenance.json'), 'utf8'));
    expect(provenance).toEqual({
      stage: 'producer',
      key: JSON.parse(readFileSync(join(workspace.root, 'dist/stagecraft/producer.json'), 'utf8')).key,
      tag: expect.stringMatching(new RegExp(`^${imageName}-producer:`)),
      files: { 'producer-1.0.tar.gz': expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
  });

  it('builds a package-consuming stage from the restored packages alone, with no upstream image', async () => {
    expect((await stageTagsNamed(`${imageName}-producer:`)).concat(await stageTagsNamed(`${imageName}-base:`))).toHaveLength(2);
    // Every name of those images goes, the producer's equivalence alias too.
    const producerImages = (await tagsNamed(`${imageName}-producer:`)).concat(await tagsNamed(`${imageName}-base:`));
    for (const tag of producerImages) await docker.getImage(tag).remove({ force: true });
    rmSync(join(workspace.root, 'dist'), { recursive: true, force: true });

    const run = workspace.nx(['run', 'consumer:docker-stage', '--output-style=static'], CLOCK);
    const output = run.stdout + run.stderr;
    expect(run.status).toBe(0);
    expect(output).toMatch(/producer:package.*(local cache|existing outputs match the cache)/i);
    expect(output).toContain('Stagecraft: 1 stage: 1 built');
    expect(await tagsNamed(`${imageName}-producer:`)).toEqual([]);
    expect(await tagsNamed(`${imageName}-base:`)).toEqual([]);

    const consumerTag = JSON.parse(readFileSync(join(workspace.root, 'dist/stagecraft/consumer.json'), 'utf8')).tag;
    const out = mkdtempSync(join(tmpdir(), 'stagecraft-consumer-'));
    try {
      await readFilesFromImage(docker, consumerTag, ['/usr/local/share/consumer.txt'], out);
      expect(readFileSync(join(out, 'consumer.txt'), 'utf8')).toBe('hello from the producer\n');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('refuses a consumed package replaced by other content, naming the file, and leaves the tag alone', async () => {
    const consumerTag = JSON.parse(readFileSync(join(workspace.root, 'dist/stagecraft/consumer.json'), 'utf8')).tag;
    const before = (await docker.getImage(consumerTag).inspect()).Id;
    writeFileSync(join(workspace.root, 'dist/packages/producer/producer-1.0.tar.gz'), 'not the package the producer made');
    const run = workspace.nx(['run', 'consumer:docker-stage', '--force', '--exclude-task-dependencies', '--output-style=static'], CLOCK);
    expect(run.status).not.toBe(0);
    expect(run.stdout + run.stderr).toContain(
      'the package file dist/packages/producer/producer-1.0.tar.gz does not match its provenance record (it changed after nx run producer:package)',
    );
    expect((await docker.getImage(consumerTag).inspect()).Id).toBe(before);
  });

  it('runs several package tasks in one batch: one scheduler, the shared base built once', async () => {
    const run = workspace.nx(['run-many', '-t', 'package', '-p', 'producer', 'second', '--skip-nx-cache', '--output-style=static'], CLOCK);
    const output = run.stdout + run.stderr;
    expect(run.status).toBe(0);
    expect(output).toContain('Stagecraft: 2 package tasks in one batch, one scheduler');
    // One summary for both tasks: base (removed above), producer and second, each built once.
    expect(output).toContain('Stagecraft: 3 stages: 3 built');
    expect(readdirSync(join(workspace.root, 'dist/packages/second'))).toEqual(['second.txt']);
    expect(readdirSync(join(workspace.root, 'dist/packages/producer'))).toEqual(['producer-1.0.tar.gz']);
  });

  it('fails a glob that matches nothing, naming the stage file and the glob', () => {
    const run = workspace.nx(['run', 'empty:package', '--output-style=static'], CLOCK);
    expect(run.status).not.toBe(0);
    expect(run.stdout + run.stderr).toMatch(/empty\/stage\.json at \/exports\/packages: .*\/out\/\*\.deb/);
    expect(existsSync(join(workspace.root, 'dist/packages/empty'))).toBe(false);
  });
});
