import { archivePath, fetchArchive, normaliseSha256 } from '../sources/fetch-archive';
import { mirrorHolds, resolveGitRev } from '../sources/git';
import { pathExists } from '../util/atomic';
import { resolveGitRepo, resolveSourceUrl } from '../sources/prepare';
import { formatBytes, withProgress } from '../sources/progress';
import { definingFile } from '../stage/definition-files';
import { isRemoteSource, type Stage } from '../stage/types';
import { parseRev } from '../lock/rev';
import { resolveSourceIdentity } from '../ensure/source-identity';

export type FetchStatus = 'fetched' | 'present' | 'failed';

export interface FetchOutcome {
  stage: string;
  status: FetchStatus;
  error?: string;
}

export interface FetchSourcesOptions {
  workspaceRoot: string;
  cacheDir: string;
  /** One line of output, prefixed by the caller. */
  log: (stage: string, line: string) => void;
  /** The workspace's name for the sources target, for messages. */
  sourcesTarget: string;
}

/**
 * Puts a stage's url or git source into the content-addressed store ahead of
 * builds: the archive verified by its sha256, or the git mirror holding the
 * commit the build will use (a floating rev's pin). A build afterwards needs
 * no network. A failed fetch leaves nothing half-written.
 */
export async function fetchStageSource(stage: Stage, options: FetchSourcesOptions): Promise<FetchOutcome> {
  try {
    return { stage: stage.name, status: await fetchSource(stage, options) };
  } catch (error) {
    return { stage: stage.name, status: 'failed', error: (error as Error).message };
  }
}

async function fetchSource(stage: Stage, options: FetchSourcesOptions): Promise<'fetched' | 'present'> {
  const downloaded = await fetchDownloads(stage, options);
  const source = await fetchRemoteSource(stage, options);
  return downloaded === 'fetched' ? 'fetched' : source;
}

/** A Dockerfile stage's downloads (the import's ADD <url>), each into the store by its sha256. */
async function fetchDownloads(stage: Stage, options: FetchSourcesOptions): Promise<'fetched' | 'present'> {
  let status: 'fetched' | 'present' = 'present';
  for (const [index, download] of (stage.build.downloads ?? []).entries()) {
    const what = `${definingFile(stage)} at /build/downloads/${index}`;
    if (await pathExists(archivePath(options.cacheDir, normaliseSha256(download.sha256, `${what}/sha256`)))) continue;
    const url = resolveSourceUrl(download.url, options.workspaceRoot);
    await withProgress(`downloading ${download.url}`, fetchArchive(url, download.sha256, options.cacheDir, what), (line) => options.log(stage.name, line));
    status = 'fetched';
  }
  return status;
}

async function fetchRemoteSource(stage: Stage, options: FetchSourcesOptions): Promise<'fetched' | 'present'> {
  const { workspaceRoot, cacheDir, log } = options;
  const source = stage.source;
  if (!isRemoteSource(source)) return 'present';
  const what = `${definingFile(stage)} at /source`;
  if ('url' in source) {
    const sha256 = normaliseSha256(source.sha256, `${what}/sha256`);
    if (await pathExists(archivePath(cacheDir, sha256))) return 'present';
    let bytes = '';
    const onProgress = (received: number, total?: number) => {
      bytes = total ? `${formatBytes(received)} of ${formatBytes(total)}` : formatBytes(received);
    };
    const url = resolveSourceUrl(source.url, workspaceRoot);
    await withProgress(`downloading ${source.url}`, fetchArchive(url, sha256, cacheDir, what, onProgress), (line) => log(stage.name, line), () => bytes);
    return 'fetched';
  }

  const repo = resolveGitRepo(source.git, workspaceRoot);
  const rev = parseRev(source.rev);
  // A pinned or floating rev is fetched at its pin (an error says how to pin it); a tag as written.
  const asTag = rev.kind === 'tag' || (rev.kind === 'name' && !stage.pins?.source);
  // An exact commit is taken as written: the identity look-up would fetch it silently.
  const exact = asTag ? rev.name : rev.kind === 'commit' ? rev.commit : (await resolveSourceIdentity(stage, workspaceRoot, cacheDir, options.sourcesTarget))!['commit'];
  if (await mirrorHolds(repo, exact, cacheDir)) return 'present';
  try {
    await withProgress(`fetching ${source.git}`, resolveGitRev(repo, exact, cacheDir), (line) => log(stage.name, line));
  } catch (error) {
    throw new Error(`${what}/rev: ${(error as Error).message}`);
  }
  return 'fetched';
}

/** One line: how many sources were fetched, already present, failed. */
export function sourcesSummary(outcomes: FetchOutcome[]): string {
  const count = (status: FetchStatus) => outcomes.filter((outcome) => outcome.status === status).length;
  const failed = outcomes.filter((outcome) => outcome.status === 'failed').map((outcome) => outcome.stage);
  return `sources: ${count('fetched')} fetched, ${count('present')} already present, ${count('failed')} failed${failed.length ? ` (${failed.join(', ')})` : ''}`;
}
