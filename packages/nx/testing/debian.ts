import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { TestWorkspace } from './workspace';

/** What apt-get needs to download and install a package: itself, its http method, dpkg and the tar dpkg-deb runs. */
const APT_PROGRAMS = [
  '/usr/bin/apt-get',
  '/usr/lib/apt/methods/http',
  '/usr/lib/apt/methods/store',
  '/usr/lib/apt/methods/file',
  '/usr/bin/dpkg',
  '/usr/bin/dpkg-deb',
  '/usr/bin/dpkg-split',
  '/usr/bin/tar',
  '/usr/sbin/ldconfig',
];
/** dpkg's architecture tables, which apt reads to know the machine's architecture. */
const DPKG_TABLES = ['cputable', 'ostable', 'tupletable', 'abitable'].map((table) => `/usr/share/dpkg/${table}`);

/** The directories apt and dpkg expect to exist. */
const EMPTY_DIRECTORIES = ['/var/lib/dpkg/info', '/var/lib/dpkg/updates', '/var/lib/apt/lists/partial', '/var/cache/apt/archives/partial', '/var/log/apt', '/etc/apt/preferences.d', '/etc/apt/sources.list.d', '/etc/dpkg/dpkg.cfg.d', '/tmp'];

/**
 * A Debian base stage made from this machine's own files, so that no test
 * reaches a mirror: Debian's apt-get and dpkg with the libraries they load,
 * and busybox for the shell and the rest. Enough for `apt-get update` and
 * `apt-get install` from a repository on 127.0.0.1 (signed or not: the
 * source list says [trusted=yes]); apt runs its methods as root.
 */
export function writeAptBase(workspace: Pick<TestWorkspace, 'root' | 'write'>, dir = 'apt-base'): void {
  const rootfs = join(workspace.root, dir, 'rootfs');
  const place = (from: string, to = from) => {
    mkdirSync(dirname(join(rootfs, to)), { recursive: true });
    copyFileSync(realpathSync(from), join(rootfs, to));
  };
  for (const program of [...APT_PROGRAMS, ...DPKG_TABLES]) place(program);
  for (const library of sharedLibraries(APT_PROGRAMS)) place(library, library.startsWith('/lib64/') ? library : `/lib/x86_64-linux-gnu/${basename(library)}`);
  place('/bin/busybox', '/bin/busybox');
  workspace.write(`${dir}/rootfs/var/lib/dpkg/status`, '');
  workspace.write(`${dir}/rootfs/etc/passwd`, 'root:x:0:0:root:/root:/bin/sh\n');
  workspace.write(`${dir}/rootfs/etc/group`, 'root:x:0:\n');
  workspace.write(`${dir}/rootfs/etc/apt/apt.conf.d/sandbox`, 'APT::Sandbox::User "root";\n');
  // A build context holds files, not empty directories: the image makes those.
  const directories = EMPTY_DIRECTORIES.join(' ');
  workspace.write(`${dir}/Dockerfile`, ['FROM scratch', 'COPY rootfs/ /', `RUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && mkdir -p ${directories}"]`, ''].join('\n'));
}

/** The shared libraries the programs load (ldd's answer), the dynamic loader included. */
function sharedLibraries(programs: string[]): string[] {
  const listed = programs.flatMap((program) => execFileSync('ldd', [program], { encoding: 'utf8' }).split('\n'));
  const paths = listed.map((line) => /=>\s*(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)\s+\(/.exec(line)?.[1]).filter((path): path is string => !!path);
  return [...new Set(paths)].sort();
}

export interface DebPackage {
  name: string;
  version: string;
  /** Files of the package by absolute path. */
  files: Record<string, string>;
}

/**
 * A flat Debian repository in `dir` (`deb [trusted=yes] <url> ./`): each
 * package built with dpkg-deb and indexed with dpkg-scanpackages, as
 * Debian's tools make them.
 */
export function makeDebRepository(dir: string, packages: DebPackage[]): void {
  mkdirSync(dir, { recursive: true });
  for (const { name, version, files } of packages) {
    const tree = mkdtempSync(join(tmpdir(), 'stagecraft-deb-'));
    try {
      const control = [`Package: ${name}`, `Version: ${version}`, 'Architecture: all', 'Maintainer: Stagecraft tests <tests@stagecraft.invalid>', `Description: ${name}, made by a test`, ''];
      mkdirSync(join(tree, 'DEBIAN'));
      writeFileSync(join(tree, 'DEBIAN', 'control'), control.join('\n'));
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(dirname(join(tree, path)), { recursive: true });
        writeFileSync(join(tree, path), content);
      }
      execFileSync('dpkg-deb', ['--root-owner-group', '--build', tree, join(dir, `${name}_${version}_all.deb`)], { stdio: 'pipe' });
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  }
  writeFileSync(join(dir, 'Packages'), execFileSync('dpkg-scanpackages', ['.', '/dev/null'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
}
