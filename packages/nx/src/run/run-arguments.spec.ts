import { posix } from 'node:path';
import { commandToRun, configuredSettings, containerWorkingDir, passedEnvironment, splitRunArguments } from './run-arguments';

describe('splitRunArguments', () => {
  it('takes everything after the target as the command, its own flags included', () => {
    expect(splitRunArguments(['sh', '-c', 'exit 3', '--env', 'X'])).toEqual({ flags: {}, command: ['sh', '-c', 'exit 3', '--env', 'X'] });
  });

  it('reads leading run options, then the command', () => {
    expect(splitRunArguments(['--env', 'A', '--env=B', '--no-interactive', '--network=none', 'make', '--env', 'C'])).toEqual({
      flags: { env: ['A', 'B'], interactive: false, network: 'none' },
      command: ['make', '--env', 'C'],
    });
    expect(splitRunArguments(['--interactive', '--', '--version'])).toEqual({ flags: { interactive: true }, command: ['--version'] });
    expect(splitRunArguments(['--command=make test'])).toEqual({ flags: { command: 'make test' }, command: [] });
  });

  it('says what is missing', () => {
    expect(() => splitRunArguments(['--env'])).toThrow('--env needs a value');
    expect(() => splitRunArguments(['--no-env', 'x'])).toThrow('--no-env is not an option of run');
  });
});

describe('configuredSettings', () => {
  it('keeps only run options, with the configuration on top', () => {
    const target = { options: { env: ['A'], network: 'none', __unparsed__: ['x'] } as never, configurations: { ci: { network: 'host' } } };
    expect(configuredSettings(target, 'ci')).toEqual({ env: ['A'], network: 'host' });
    expect(configuredSettings(undefined)).toEqual({});
  });
});

describe('commandToRun', () => {
  it('prefers the arguments, then the command option through sh -c, then a shell when interactive', () => {
    expect(commandToRun(['ls'], { command: 'make' }, false, 'run')).toEqual(['ls']);
    expect(commandToRun([], { command: 'make test' }, false, 'run')).toEqual(['sh', '-c', 'make test']);
    expect(commandToRun([], {}, true, 'run')).toEqual(['sh']);
    expect(() => commandToRun([], {}, false, 'shell')).toThrow('no command to run: give one after --, e.g. nx run <stage>:shell -- make test');
  });
});

describe('containerWorkingDir', () => {
  it('maps the caller directory under /work, and anything outside the workspace to /work', () => {
    expect(containerWorkingDir('/ws', '/ws', posix.relative)).toBe('/work');
    expect(containerWorkingDir('/ws', '/ws/libs/a', posix.relative)).toBe('/work/libs/a');
    expect(containerWorkingDir('/ws', '/elsewhere', posix.relative)).toBe('/work');
  });
});

describe('passedEnvironment', () => {
  it('passes the listed variables that are set, with their values', () => {
    expect(passedEnvironment(['A', 'B', 'C'], { A: '1', C: 'x=y', D: 'no' })).toEqual(['A=1', 'C=x=y']);
  });
});
