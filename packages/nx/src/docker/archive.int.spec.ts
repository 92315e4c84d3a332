import { randomBytes } from 'crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { readFilesFromImage } from './archive';
import { buildImage } from './build';
import { packContext } from './context';
import { connectEngine } from './engine';
import { removeImages } from '../../testing/engine';

const suffix = randomBytes(4).toString('hex');
const image = `stagecraft-test-archive-${suffix}:t1`;

const makeFiles = [
  'mkdir -p /out/sub /out/empty',
  'echo one > /out/pkg-1.deb',
  'echo two > /out/pkg-2.deb',
  'chmod 755 /out/pkg-2.deb',
  'echo sub > /out/sub/pkg-3.deb',
  'echo clash > /out/sub/pkg-1.deb',
  'echo notes > /out/notes.txt',
  'echo top > /top.txt',
  'ln -s pkg-1.deb /out/link.deb',
  'ln /out/notes.txt /out/notes-hardlink.txt',
].join(' && ');

describe('readFilesFromImage (real engine)', () => {
  const docker = connectEngine();
  let dest: string;

  beforeAll(async () => {
    const dockerfile = ['FROM scratch', 'COPY busybox /bin/busybox', `RUN ["/bin/busybox","sh","-c","export PATH=/bin && /bin/busybox --install -s /bin && ${makeFiles}"]`];
    await buildImage(docker, {
      tag: image,
      context: packContext([
        { path: 'busybox', mode: 0o755, source: { file: '/bin/busybox' } },
        { path: 'Dockerfile', mode: 0o644, source: { content: dockerfile.join('\n') + '\n' } },
      ]),
      labels: {},
      buildArgs: {},
      noCache: false,
      onLine: () => undefined,
    });
  });
  afterAll(async () => {
    await removeImages([image]);
  });
  beforeEach(() => {
    dest = mkdtempSync(join(tmpdir(), 'stagecraft-archive-'));
  });
  afterEach(() => rmSync(dest, { recursive: true, force: true }));

  async function leftoverContainers(): Promise<string[]> {
    const containers = await docker.listContainers({ all: true, filters: { label: ['dev.stagecraft.purpose=read-files'] } });
    return containers.filter((c) => c.Image === image).map((c) => c.Id);
  }

  it('copies the regular files that match, flat, with their modes, and removes its container', async () => {
    const written = await readFilesFromImage(docker, image, ['/out/*.deb'], join(dest, 'packages'));
    expect(written).toEqual(['pkg-1.deb', 'pkg-2.deb']); // link.deb is a symlink
    expect(readdirSync(join(dest, 'packages')).sort()).toEqual(written);
    expect(readFileSync(join(dest, 'packages', 'pkg-1.deb'), 'utf8')).toBe('one\n');
    expect(statSync(join(dest, 'packages', 'pkg-2.deb')).mode & 0o777).toBe(0o755);
    expect(await leftoverContainers()).toEqual([]);
  });

  it('matches ** across directories and copies hard-linked files', async () => {
    const written = await readFilesFromImage(docker, image, ['/out/sub/**/*.deb', '/out/notes*.txt', '/out/?kg-2.deb'], dest);
    expect(written).toEqual(['notes-hardlink.txt', 'notes.txt', 'pkg-1.deb', 'pkg-2.deb', 'pkg-3.deb']);
    expect(readFileSync(join(dest, 'pkg-1.deb'), 'utf8')).toBe('clash\n');
    expect(readFileSync(join(dest, 'notes-hardlink.txt'), 'utf8')).toBe('notes\n');
  });

  it.each([['/out/*.rpm'], ['/nowhere/*.deb'], ['/out/empty/*']])('fails naming %s when it matches nothing, writing nothing', async (glob) => {
    await expect(readFilesFromImage(docker, image, ['/out/*.deb', glob], dest)).rejects.toThrow(`no regular file in image ${image} matches ${glob}`);
    expect(readdirSync(dest)).toEqual([]);
    expect(await leftoverContainers()).toEqual([]);
  });

  it('reads files at the root of the image', async () => {
    expect(await readFilesFromImage(docker, image, ['/*.txt'], dest)).toEqual(['top.txt']);
    expect(readFileSync(join(dest, 'top.txt'), 'utf8')).toBe('top\n');
  });

  it('fails when two matches would get the same name', async () => {
    await expect(readFilesFromImage(docker, image, ['/out/**/*.deb'], dest)).rejects.toThrow(/\/out\/(sub\/)?pkg-1\.deb and \/out\/(sub\/)?pkg-1\.deb would both be copied to pkg-1\.deb/);
    expect(readdirSync(dest)).toEqual([]);
    expect(await leftoverContainers()).toEqual([]);
  });
});
