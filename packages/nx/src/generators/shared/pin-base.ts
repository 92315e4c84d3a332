import type { Tree } from '@nx/devkit';

/**
 * The image reference a generator writes for an external base. Today the
 * reference as given; pinning external bases by digest (issue 13) makes this
 * the one place where `stage`, `import` and `init` resolve and pin a base.
 */
export function pinnedExternalBase(_tree: Tree, image: string): string {
  return image;
}
