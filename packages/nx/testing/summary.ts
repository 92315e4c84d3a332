/** The status of each stage in a docker-stage run summary ("  built    1.23s  lib-a  <tag>"), by stage. */
export function summaryStatuses(output: string): Record<string, string> {
  const lines = output.split('\n').filter((line) => /^ {2}(built|equivalent|present|remote|pulled|copied|failed|skipped) /.test(line));
  return Object.fromEntries(lines.map((line) => line.trim().split(/\s+/)).map(([status, , stage]) => [stage, status]));
}
