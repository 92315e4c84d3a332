/**
 * Whether equivalence is on for a run: the plugin option `equivalence` (default true; checked
 * with the other options by resolveOptions), and STAGECRAFT_EQUIVALENCE=0 or 1 for one run.
 * Throws naming the variable.
 */
export function equivalenceEnabled(option: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  const override = env['STAGECRAFT_EQUIVALENCE'];
  if (override !== undefined && override !== '' && override !== '0' && override !== '1') {
    throw new Error(`STAGECRAFT_EQUIVALENCE: expected 1 (on) or 0 (off), got ${JSON.stringify(override)}`);
  }
  return override === '1' ? true : override === '0' ? false : option !== false;
}
