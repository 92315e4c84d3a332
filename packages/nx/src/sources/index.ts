/** Stage sources on the host: archives in a content-addressed store, git mirrors, unpacked trees. */
export { extractArchive } from './extract';
export { archivePath, fetchArchive, normaliseSha256 } from './fetch-archive';
export { exportGitRev, mirrorPath, resolveGitRev } from './git';
export { prepareSource, resolveGitRepo, resolveSourceUrl, treePath } from './prepare';
export type { PrepareSourceOptions, PreparedSource } from './prepare';
