/** `ADD <url>` in an imported Dockerfile: a download fetched on the host by sha256, copied from the build context. */
import { posix } from 'node:path';
import { jsonFormArguments, wordText, type Instruction, type Word } from '../../dockerfile/dockerfile-instructions';

/** A URL an ADD fetched: the stage's download, with the sha256 `ADD --checksum` gave (else the import fetches it). */
export interface StageDownload {
  url: string;
  sha256?: string;
  path: string;
  line: number;
}

const URL_SOURCE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@)/i;
const DOWNLOADS_DIR = '.stagecraft/downloads';

/**
 * An ADD of http(s) URLs becomes a COPY of each file from the build context,
 * where the build puts the download (fetched on the host, checked by sha256),
 * with the mode ADD gives a downloaded file (600). Undefined for an ADD of
 * local files; a string says why it cannot be translated.
 */
export function addedUrls(instruction: Instruction, args: Word[], flags: Word[], stage: number, earlier: number): { copy: string; downloads: StageDownload[] } | string | undefined {
  const json = jsonFormArguments(args);
  const operands = json ?? args.slice(flags.length).map(wordText);
  const sources = operands.slice(0, -1);
  if (!sources.some((source) => URL_SOURCE.test(source))) return undefined;
  if (sources.some((source) => /^(?:git@|ssh:\/\/|git:\/\/)/i.test(source) || /\.git(?:#.*)?$/.test(source))) {
    return 'ADD of a git repository clones it at build time; make it a stage with a git source ({ "git", "rev" }), or clone it into the build context';
  }
  if (!sources.every((source) => /^https?:\/\//i.test(source))) {
    return 'ADD mixes URLs with other sources (or names a scheme other than http and https); give each URL its own ADD';
  }
  const flagTexts = flags.map(wordText);
  const checksum = flagTexts.find((flag) => flag.startsWith('--checksum='))?.slice('--checksum='.length);
  if (checksum !== undefined && (sources.length > 1 || !/^sha256:[0-9a-f]{64}$/i.test(checksum))) {
    return 'ADD --checksum= names one URL\'s sha256 (sha256:<64 hexadecimal digits>)';
  }
  const kept = flagTexts.filter((flag) => !flag.startsWith('--checksum='));
  if (!kept.some((flag) => flag.startsWith('--chmod='))) kept.push('--chmod=600');
  const downloads = sources.map((url, index): StageDownload => {
    const name = posix.basename(new URL(url).pathname) || 'download';
    // A directory of its own keeps the URL's file name, which ADD gives the file when the destination is a directory.
    const path = `${DOWNLOADS_DIR}/${stage}-${earlier + index}/${name}`;
    return { url, ...(checksum && { sha256: checksum.slice('sha256:'.length).toLowerCase() }), path, line: instruction.line };
  });
  const operandsOut = [...downloads.map((download) => download.path), operands[operands.length - 1]];
  const copy = ['COPY', ...kept, json ? JSON.stringify(operandsOut) : operandsOut.join(' ')].join(' ');
  return { copy, downloads };
}
