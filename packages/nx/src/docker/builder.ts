/** Which builder the Engine uses: BuildKit where it offers it, the legacy builder otherwise. */
import type Docker from 'dockerode';

export type Builder = 'buildkit' | 'legacy';
export const BUILDER_CHOICES = ['auto', 'buildkit', 'legacy'] as const;
export type BuilderChoice = (typeof BUILDER_CHOICES)[number];

/** BuildKit came with API 1.39 (Docker 18.09). */
const BUILDKIT_API = [1, 39];

interface EngineVersion {
  ApiVersion?: string;
  Os?: string;
  Platform?: { Name?: string };
  Components?: { Name?: string }[];
}

/** The builder a choice means on this Engine: auto asks the Engine's /version once. */
export async function resolveBuilder(docker: Docker, choice: BuilderChoice = 'auto'): Promise<Builder> {
  if (choice !== 'auto') return choice;
  const version = (await docker.version()) as EngineVersion;
  return offersBuildKit(version) ? 'buildkit' : 'legacy';
}

/**
 * A Docker Engine on Linux with API 1.39 or later builds with BuildKit through
 * the build call's version=2. Podman's compatible API answers with the same
 * fields but builds with Buildah, and a Windows Engine has no BuildKit.
 */
export function offersBuildKit(version: EngineVersion): boolean {
  const names = [version.Platform?.Name, ...(version.Components ?? []).map((c) => c.Name)];
  if (names.some((name) => name && /podman/i.test(name))) return false;
  if ((version.Os ?? 'linux').toLowerCase() !== 'linux') return false;
  const [major, minor] = (version.ApiVersion ?? '0.0').split('.').map(Number);
  return major > BUILDKIT_API[0] || (major === BUILDKIT_API[0] && minor >= BUILDKIT_API[1]);
}
