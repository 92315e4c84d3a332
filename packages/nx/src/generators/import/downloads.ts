/**
 * Whether a RUN line downloads: package managers, language module fetchers,
 * curl, wget and git clone. Such a stage builds as the original did only
 * with the network, so the import declares it.
 */

const DOWNLOADERS: Array<[RegExp, string]> = [
  [/\bapt-get\s+(?:[-\w=]+\s+)*(?:update|install|dist-upgrade|upgrade|source|download)\b/, 'apt-get'],
  [/\bapt\s+(?:[-\w=]+\s+)*(?:update|install|upgrade)\b/, 'apt'],
  [/\bapk\s+(?:[-\w=]+\s+)*(?:add|update|upgrade)\b/, 'apk'],
  [/\b(?:yum|dnf|microdnf|tdnf|zypper)\s+(?:[-\w=]+\s+)*(?:install|update|upgrade|makecache|in|up)\b/, 'a package manager'],
  [/\bpip3?\s+(?:[-\w=]+\s+)*(?:install|download|wheel)\b/, 'pip'],
  [/\b(?:poetry|pipenv|uv)\s+(?:[-\w=]+\s+)*(?:install|sync|lock)\b/, 'a Python package manager'],
  [/\b(?:npm|pnpm)\s+(?:[-\w=]+\s+)*(?:ci|install|i|add)\b/, 'npm'],
  [/\byarn(?:\s+(?:[-\w=]+\s+)*(?:install|add))?(?:\s|$|&|;)/, 'yarn'],
  [/\bgo\s+(?:mod\s+download|get|install|build|test|generate)\b/, 'go'],
  [/\bcargo\s+(?:[-+\w=]+\s+)*(?:build|fetch|install|test|vendor)\b/, 'cargo'],
  [/\b(?:bundle|gem)\s+(?:[-\w=]+\s+)*install\b/, 'bundler'],
  [/\bcomposer\s+(?:[-\w=]+\s+)*(?:install|update|require)\b/, 'composer'],
  [/\b(?:mvn|gradle|gradlew|sbt)\b/, 'a JVM build tool'],
  [/\bcurl\b/, 'curl'],
  [/\bwget\b/, 'wget'],
  [/\bgit\s+(?:[-\w=]+\s+)*(?:clone|fetch|pull|submodule)\b/, 'git'],
];

/** The downloading command a RUN line's text runs, or undefined. */
export function downloadingCommand(run: string): string | undefined {
  for (const [pattern, name] of DOWNLOADERS) if (pattern.test(run)) return name;
  return undefined;
}
