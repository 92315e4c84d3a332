import type { Tree } from '@nx/devkit';
import { compilePatterns } from '../../declared-tags';
import { loadStagesCached, openStageCache } from '../../plugin/stage-files';
import { pluginOptionsFrom, resolveOptions } from '../../stage/plugin-options';
import { formatPins } from '../../stage/pins';
import { planLock, type PinFileChange } from '../../lock/lock';
import { stageProjectNames, workspaceContext } from '../shared/workspace-context';
import type { LockGeneratorSchema } from './schema';
import { generatorCommand } from '../../identity/identity';
import { shellQuote } from '../../render/shell';

/**
 * Resolves floating revs and writes each stage's pins to its own
 * stage.lock.json. Every remote is asked before anything is written: any
 * problem (a remote that cannot be reached, a missing branch, a range no tag
 * satisfies) fails the whole run with every file as it was.
 */
export async function lockGenerator(tree: Tree, schema: LockGeneratorSchema): Promise<void> {
  const include = compilePatterns(schema.include, 'include');
  const context = await workspaceContext(tree);
  const projects = context.projectsConfigurations!.projects;
  const stageNames = new Set(stageProjectNames(context));
  const selected = [...stageNames].filter((name) => !include.length || include.some((pattern) => pattern.test(name)));
  const { stages, errors: loadErrors } = loadStagesCached(tree.root, selected.map((name) => ({ root: projects[name].root, name })), openStageCache());
  if (loadErrors.length) throw new Error(loadErrors.map((error) => error.message).join('\n'));

  const options = resolveOptions(pluginOptionsFrom(context.nxJsonConfiguration));
  const pinContext = { workspaceRoot: tree.root, options, isStage: (name: string) => stageNames.has(name) };
  const { changes, errors } = await planLock(stages, pinContext, { update: schema.update || schema.check });
  if (errors.length) throw new Error(`nothing was pinned:\n${errors.map((error) => `  ${error.message}`).join('\n')}`);

  for (const change of changes) process.stdout.write(describe(change));
  if (!changes.length) return void process.stdout.write(`${stages.length} selected stage(s): every pin is up to date\n`);
  if (schema.check) {
    throw new Error(`${changes.length} pin file(s) out of date: ${changes.map((c) => c.file).join(', ')}. Update them with: ${updateCommand(schema)}`);
  }
  for (const change of changes) {
    if (change.after) tree.write(change.file, formatPins(change.after));
    else tree.delete(change.file);
  }
}

export default lockGenerator;

function describe(change: PinFileChange): string {
  return change.moves.map((move) => `${change.stage}: ${move}\n`).join('');
}

function updateCommand(schema: LockGeneratorSchema): string {
  const include = schema.include === undefined ? [] : Array.isArray(schema.include) ? schema.include : [schema.include];
  return [generatorCommand('lock'), '--update', ...include.map((pattern) => `--include=${shellQuote(pattern)}`)].join(' ');
}
