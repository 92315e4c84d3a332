/**
 * The proxy settings of the calling environment, for a networked build. Docker
 * passes these names to every RUN without an ARG and leaves them out of the
 * layer cache key; Stagecraft leaves them out of the stage key as well.
 */
const PROXY_VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY', 'ALL_PROXY'];

/**
 * Each proxy variable set in `env`, under both spellings: tools differ in the
 * one they read (curl only takes http_proxy in lower case, others only the
 * upper case), so one set in either case reaches both. A variable set in both
 * cases keeps each value.
 */
export function proxyBuildArgs(env: NodeJS.ProcessEnv): Record<string, string> {
  const args: Record<string, string> = {};
  for (const upper of PROXY_VARIABLES) {
    const lower = upper.toLowerCase();
    const value = env[upper] || env[lower];
    if (!value) continue;
    args[upper] = env[upper] || value;
    args[lower] = env[lower] || value;
  }
  return args;
}
