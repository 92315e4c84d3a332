import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFileAtomically } from '../util/atomic';
import { join, posix } from 'node:path';
import { packagesDir } from '../key/plan';

/** What the package target records beside a stage's package files: the key that produced them and each file's sha256. */
export interface PackageProvenance {
  stage: string;
  key: string;
  tag: string;
  files: Record<string, string>;
}

/** `dist/packages/<stage>.provenance.json`: an output of the package target, so Nx's cache restores it with the files. */
export function provenancePath(stage: string): string {
  return `${packagesDir(stage)}.provenance.json`;
}

export function writeProvenance(workspaceRoot: string, record: Omit<PackageProvenance, 'files'>): PackageProvenance {
  const dir = join(workspaceRoot, packagesDir(record.stage));
  const files = Object.fromEntries(readdirSync(dir).sort().map((file) => [file, sha256Of(join(dir, file))]));
  const provenance = { ...record, files };
  const target = join(workspaceRoot, provenancePath(record.stage));
  writeFileAtomically(target, `${JSON.stringify(provenance, null, 2)}\n`);
  return provenance;
}

/**
 * The package files of `stage` with their sha256, after checking them against
 * the provenance record: made by the key the consumer expects, and each file
 * exactly as the package target copied it out of the image. Throws naming the
 * file that does not match.
 */
export function verifiedPackageFiles(
  workspaceRoot: string,
  stage: string,
  expectedKey: string,
  packageTarget: string,
): Array<{ file: string; sha256: string }> {
  const dir = packagesDir(stage);
  const rerun = `run nx run ${stage}:${packageTarget} again`;
  if (!existsSync(join(workspaceRoot, dir))) {
    throw new Error(`the packages of upstream stage ${stage} are missing from ${dir}: run nx run ${stage}:${packageTarget} first`);
  }
  const record = readProvenance(workspaceRoot, stage);
  if (!record) throw new Error(`${provenancePath(stage)} is missing or unreadable, so the packages in ${dir} cannot be trusted: ${rerun}`);
  if (record.key !== expectedKey) {
    throw new Error(
      `the packages in ${dir} were made by key ${record.key.slice(0, 16)} of stage ${stage}, not by its current key ${expectedKey.slice(0, 16)}: ${rerun}`,
    );
  }
  const present = readdirSync(join(workspaceRoot, dir)).sort();
  for (const file of present) {
    const path = posix.join(dir, file);
    const recorded = record.files[file];
    if (recorded === undefined) throw new Error(`the package file ${path} is not in ${stage}'s provenance record: remove it, or ${rerun}`);
    if (sha256Of(join(workspaceRoot, path)) !== recorded) {
      throw new Error(`the package file ${path} does not match its provenance record (it changed after nx run ${stage}:${packageTarget}): ${rerun}`);
    }
  }
  const missing = Object.keys(record.files).filter((file) => !present.includes(file));
  if (missing.length) throw new Error(`the package file ${posix.join(dir, missing[0])} is missing: ${rerun}`);
  return present.map((file) => ({ file: posix.join(dir, file), sha256: record.files[file] }));
}

function readProvenance(workspaceRoot: string, stage: string): PackageProvenance | undefined {
  try {
    const record = JSON.parse(readFileSync(join(workspaceRoot, provenancePath(stage)), 'utf8')) as PackageProvenance | null;
    const wellFormed =
      record && typeof record.key === 'string' && record.files && typeof record.files === 'object' && Object.values(record.files).every((v) => typeof v === 'string');
    return wellFormed ? record : undefined;
  } catch {
    return undefined;
  }
}

function sha256Of(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
