export { RegistryClient, defaultScheme, type RegistryClientOptions, type ManifestInfo } from './client';
export { copyImage, type ImageLocation } from './copy';
export { registryCredentials, engineAuthConfig, dockerConfigFile, type RegistryCredentials } from './credentials';
export { RegistryError, loginHint, type RegistryFailure } from './errors';
export { ImageRef, RegistryPrefix, apiHost } from './reference';
export * from './media-types';
