import type { Tree } from '@nx/devkit';
import {
  checkStageTag,
  compilePatterns,
  ensureDeclaredStagesExist,
  parseDeclaredTags,
  selectStages,
  unifiedDiff,
  withDeclaredTags,
  type DeclaredTags,
  type TagCheck,
} from '../../declared-tags';
import { generatorCommand } from '../../identity/identity';
import { stageProjectNames, workspaceContext } from '../shared/workspace-context';
import { pluginOptionsFrom, resolveOptions } from '../../stage/plugin-options';
import { stageContextFor } from '../../ensure/stage-context';
import type { UpdateTagsGeneratorSchema } from './schema';

/**
 * Lists, checks or updates declared stage tags. Everything is read and
 * checked before anything is written: a malformed file, a declared stage that
 * does not exist or an invalid pattern fails with the file as it was.
 */
export async function updateTagsGenerator(tree: Tree, schema: UpdateTagsGeneratorSchema): Promise<void> {
  compilePatterns(schema.include, 'include');
  compilePatterns(schema.exclude, 'exclude');
  const context = await workspaceContext(tree);
  const stageNames = stageProjectNames(context);
  const declaredTagsFile = resolveOptions(pluginOptionsFrom(context.nxJsonConfiguration)).declaredTags;
  const declared = parseDeclaredTags(tree.read(declaredTagsFile, 'utf-8') ?? '', declaredTagsFile, tree.exists(declaredTagsFile));
  ensureDeclaredStagesExist(declared, stageNames);

  const listEverything = schema.list && !schema.include && !schema.exclude;
  const selected = selectStages(stageNames, new Set(declared.declarations.keys()), listEverything ? { all: true } : schema);
  const { planner } = stageContextFor(context, selected);
  const checks = await Promise.all(selected.map(async (stage) => checkStageTag(stage, (await planner.plan(stage)).tag, declared)));

  if (schema.list) {
    process.stdout.write(listing(checks));
    if (!schema.check) return;
  }
  const updated = withDeclaredTags(declared, new Map(checks.map((check) => [check.stage, check.computed])));
  if (schema.check) {
    failOnOutOfDate(declared, updated, checks, schema);
    process.stdout.write(`${declared.file}: ${checks.length} selected declaration(s) up to date\n`);
    return;
  }
  if (schema.list) return;
  if (updated !== declared.text) tree.write(declared.file, updated);
  process.stdout.write(summary(declared, checks));
}

export default updateTagsGenerator;

function failOnOutOfDate(declared: DeclaredTags, updated: string, checks: TagCheck[], schema: UpdateTagsGeneratorSchema): void {
  const stale = checks.filter((check) => check.status !== 'match');
  if (!stale.length) return;
  process.stdout.write(unifiedDiff(declared.text, updated, declared.file));
  const names = stale.map((check) => `${check.stage} (${check.status})`).join(', ');
  throw new Error(`${declared.file}: ${stale.length} declared tag(s) out of date: ${names}. Update them with: ${updateCommand(schema)}`);
}

/** The same selection without --check / --list. */
function updateCommand(schema: UpdateTagsGeneratorSchema): string {
  const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
  const list = (value: string[] | string | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
  const args = [
    ...(schema.all ? ['--all'] : []),
    ...list(schema.include).map((pattern) => `--include=${quote(pattern)}`),
    ...list(schema.exclude).map((pattern) => `--exclude=${quote(pattern)}`),
  ];
  return [generatorCommand('update-tags'), ...args].join(' ');
}

function listing(checks: TagCheck[]): string {
  const rows = [['stage', 'declared', 'computed', 'status'], ...checks.map((check) => [
    check.stage,
    check.status === 'undeclared' ? '-' : check.declared,
    check.computed,
    check.status === 'match' ? 'ok' : check.status,
  ])];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n') + '\n';
}

function summary(declared: DeclaredTags, checks: TagCheck[]): string {
  const changed = checks.filter((check) => check.status !== 'match');
  if (!changed.length) return `${declared.file}: ${checks.length} selected declaration(s) already up to date\n`;
  return changed
    .map((check) => (check.status === 'mismatch' ? `${check.stage}: ${check.declared} -> ${check.computed}` : `${check.stage}: declared ${check.computed}`))
    .join('\n') + '\n';
}
