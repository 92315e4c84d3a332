/** How long an operation runs before it reports progress. */
export const PROGRESS_AFTER_MS = 1000;

/**
 * Runs `task`; when it takes longer than a second, writes `label` and what
 * `status` says (e.g. bytes so far) once a second until it ends.
 */
export async function withProgress<T>(
  label: string,
  task: Promise<T>,
  write: (line: string) => void,
  status: () => string = () => '',
): Promise<T> {
  const started = Date.now();
  const report = () => {
    const extra = status();
    write(`${label}: ${((Date.now() - started) / 1000).toFixed(0)} s${extra ? `, ${extra}` : ''}`);
  };
  const timer = setInterval(report, PROGRESS_AFTER_MS);
  try {
    return await task;
  } finally {
    clearInterval(timer);
  }
}

/** Bytes for a person: 1.4 MB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
