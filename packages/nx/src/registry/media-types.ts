/** The manifest media types of the Registry HTTP API v2 (Docker schema 2 and OCI). */
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

/** The Accept header for a manifest request: indexes and image manifests of both families (never schema 1). */
export const MANIFEST_ACCEPT = [OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST, DOCKER_MANIFEST].join(', ');

export function isIndex(mediaType: string | undefined): boolean {
  return mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST;
}

/** A content descriptor as manifests list them. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  /** Foreign (non-distributable) layers name where they live; they are never copied. */
  urls?: string[];
}

/** The parts of an image manifest or index a copy follows. */
export interface ManifestDocument {
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
  annotations?: Record<string, string>;
}
