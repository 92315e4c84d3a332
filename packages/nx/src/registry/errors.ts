/** What went wrong talking to a registry, in a form the build can act on. */
export type RegistryFailure = 'unreachable' | 'unauthorized' | 'denied' | 'not-found' | 'http';

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly registry: string,
    readonly failure: RegistryFailure,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RegistryError';
  }
}

/** The failure a status stands for: 401 unauthorized, 403 denied, 404 not found, else a plain HTTP error. */
export function failureOfStatus(status: number): RegistryFailure {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'denied';
  if (status === 404) return 'not-found';
  return 'http';
}

/** The fix a user can apply for a refused request. */
export function loginHint(registry: string): string {
  return `log in with \`docker login ${registry}\` (or configure a credential helper for it in Docker's config.json)`;
}
