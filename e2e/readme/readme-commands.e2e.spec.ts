import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeImagesNamed, uniqueImageName } from '../../packages/nx/testing/engine';
import { ISOLATED_PLUGINS, REPO_ROOT, writeBusyboxBase } from '../../packages/nx/testing/workspace';

/**
 * Runs the command blocks marked `<!-- readme-spec: run -->` in README.md and then in
 * each page of docs/ (see CONTRIBUTING.md, "Documentation that runs") in a copy of the
 * example workspace, in order, and checks each command's exit status.
 *
 * The copy keeps the example's stages, names and graph, but builds them in
 * seconds: the base is Debian's static busybox instead of the debootstrap
 * rootfs, each library's build is one small custom step instead of its
 * compiler run (the sources and the rootfs are not in git), and the tools
 * stage installs nothing with apt-get (tests reach nothing but 127.0.0.1). What the commands
 * do with stages (plan, explain, print the tag, run, status) is the same.
 */
const EXAMPLE = join(REPO_ROOT, 'examples', 'openbmc-mini');
const LIBRARIES = ['zlib', 'libpng', 'libyaml', 'fmt', 'fribidi'];
const MARKER = '<!-- readme-spec: run -->';

export interface ReadmeCommand {
  /** The file and the heading the block is under, for the failure message. */
  section: string;
  command: string;
}

/** The commands of every marked ```sh block, a line each (backslash continuations joined, comments dropped). */
export function markedCommands(markdown: string, file = 'README.md'): ReadmeCommand[] {
  const lines = markdown.split('\n');
  const commands: ReadmeCommand[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('#')) section = `${file}: ${lines[i].replace(/^#+\s*/, '')}`;
    if (lines[i].trim() !== MARKER) continue;
    let start = i + 1;
    while (lines[start]?.trim() === '') start++;
    if (!/^```(sh|bash)\s*$/.test(lines[start] ?? '')) throw new Error(`${file}:${i + 1}: ${MARKER} must come right before a \`\`\`sh block`);
    let end = start + 1;
    while (end < lines.length && !lines[end].startsWith('```')) end++;
    const block = lines.slice(start + 1, end).join('\n').replace(/\\\n\s*/g, '');
    for (const line of block.split('\n')) {
      const command = line.trim();
      if (command && !command.startsWith('#')) commands.push({ section, command });
    }
    i = end;
  }
  return commands;
}

function copyExample(imageName: string): string {
  const root = join(mkdtempSync(join(tmpdir(), 'stagecraft-readme-')), 'openbmc-mini');
  cpSync(EXAMPLE, root, {
    recursive: true,
    filter: (path) => !/\/(node_modules|source|dist|\.nx)$|rootfs\.tar/.test(path),
  });
  const nxJson = JSON.parse(readFileSync(join(root, 'nx.json'), 'utf8'));
  nxJson.plugins[0].options.imageName = imageName;
  writeFileSync(join(root, 'nx.json'), JSON.stringify(nxJson, null, 2));
  const write = (path: string, content: string | object) =>
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  writeBusyboxBase({ root, write });
  for (const library of LIBRARIES) {
    const { source: _source, build: _build, ...stage } = JSON.parse(readFileSync(join(root, library, 'stage.json'), 'utf8'));
    write(`${library}/stage.json`, {
      ...stage,
      build: { type: 'custom', steps: ['mkdir -p /usr/local/lib', `echo ${library} > /usr/local/lib/${library}.txt`] },
    });
  }
  // The tools stage downloads (network "host"); here it downloads nothing, and settings' YAML check needs no python.
  write('tools/Dockerfile', 'FROM base\nRUN mkdir -p /usr/local/share && echo tools > /usr/local/share/tools.txt\n');
  const settings = JSON.parse(readFileSync(join(root, 'settings', 'stage.json'), 'utf8'));
  write('settings/stage.json', { ...settings, build: { ...settings.build, steps: settings.build.steps.filter((step: string) => !step.startsWith('python3')) } });
  // The settings stage follows a branch of this script-made repository, as tools/example.sh makes it.
  const made = spawnSync(
    'bash',
    ['-c', 'source tools/lib/common.sh && source tools/lib/example-repository.sh && make_example_repository "$1"', 'readme-spec', join(root, 'repos', 'phosphor-settings.git')],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`the example's settings repository could not be made: ${made.stderr}`);
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.name=readme', '-c', 'user.email=readme@example.invalid', 'commit', '-qm', 'example');
  return root;
}

describe("the marked commands of the README and docs/, run in (a quick copy of) the example workspace", () => {
  const imageName = uniqueImageName('readme');
  const pages = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];
  const commands = pages.flatMap((page) => markedCommands(readFileSync(join(REPO_ROOT, page), 'utf8'), page));
  let root: string;

  beforeAll(() => {
    root = copyExample(imageName);
  });
  afterAll(async () => {
    rmSync(join(root, '..'), { recursive: true, force: true });
    await removeImagesNamed(imageName);
  });

  it('finds the marked blocks', () => {
    expect(commands.length).toBeGreaterThanOrEqual(8);
  });

  it('runs each command with exit status 0, in order', () => {
    const failures: string[] = [];
    for (const { section, command } of commands) {
      const result = spawnSync('bash', ['-o', 'pipefail', '-c', command], {
        cwd: root,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          // As in the README: nx and stagecraft from the workspace's node_modules.
          PATH: `${join(root, 'node_modules', '.bin')}:${process.env['PATH']}`,
          // Nx as users run it: each graph plugin in its own worker process.
          ...ISOLATED_PLUGINS,
          NX_DAEMON: 'false',
          NX_NO_CLOUD: 'true',
          NX_TUI: 'false',
          CI: 'true',
        },
      });
      if (result.status !== 0) {
        failures.push(`[${section}] ${command}\n  exit ${result.status}\n${(result.stdout + result.stderr).split('\n').slice(-15).join('\n')}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
