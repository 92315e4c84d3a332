import { concurrencyLimit } from './concurrency';

/**
 * Requests this process has in flight at once, whoever asks: one pool for the
 * Docker Engine and one for registries, shared by every fan-out (image
 * look-ups, manifest HEADs), so fan-outs that overlap share the bound instead
 * of multiplying it.
 */
export const ENGINE_REQUESTS_AT_ONCE = 8;
export const REGISTRY_REQUESTS_AT_ONCE = 8;

export const engineRequest = concurrencyLimit(ENGINE_REQUESTS_AT_ONCE);
export const registryRequest = concurrencyLimit(REGISTRY_REQUESTS_AT_ONCE);
