import { execFileSync } from 'node:child_process';

/** Runs git in `cwd` with a fixed test identity and returns its trimmed output. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=test@stagecraft.invalid', '-c', 'user.name=Stagecraft Test', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}
