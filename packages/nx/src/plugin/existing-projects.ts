/** The Nx projects that project.json and package.json files define, named as Nx's own plugins name them. */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseJsonAsNx } from '../nx-compat/nx-compat';
import type { ExistingProject } from './stage-names';

// fast-glob, yaml and nx's JSON parser are required where a workspace needs them: loading them
// costs the plugin worker of every nx command about 0.2 s, and most workspaces need none of them.

const PROJECT_JSON = 'project.json';
const PACKAGE_JSON = 'package.json';

interface ProjectJson {
  name?: unknown;
  root?: unknown;
}
interface PackageJson {
  name?: unknown;
  nx?: { name?: unknown };
  workspaces?: unknown;
}

/**
 * Project root -> the project there. A project.json always defines a project;
 * a package.json does when it sits beside one, or when the package manager's
 * workspaces (package.json "workspaces", pnpm-workspace.yaml, lerna.json)
 * include it. A file that cannot be read defines nothing here: Nx reports it.
 */
export function readExistingProjects(workspaceRoot: string, projectFiles: readonly string[]): Map<string, ExistingProject> {
  const projects = new Map<string, ExistingProject>();
  const packageJsons = projectFiles.filter((file) => posix.basename(file) === PACKAGE_JSON);
  const projectJsonDirs = new Set(projectFiles.filter((file) => posix.basename(file) === PROJECT_JSON).map(posix.dirname));
  // The root package.json is never a project here, so only another package.json without a project.json asks the package manager's workspaces (a disk glob).
  const needsWorkspaces = packageJsons.some((file) => posix.dirname(file) !== '.' && !projectJsonDirs.has(posix.dirname(file)));
  const workspacePackages = needsWorkspaces ? workspacePackageFiles(workspaceRoot) : new Set<string>();

  for (const file of packageJsons) {
    const dir = posix.dirname(file);
    if (dir === '.' || !(projectJsonDirs.has(dir) || workspacePackages.has(file))) continue;
    const json = readJson<PackageJson>(workspaceRoot, file);
    const name = json && (stringOr(json.nx?.name) ?? stringOr(json.name));
    if (json) projects.set(dir, { name: name ?? directoryProjectName(dir), file });
  }
  for (const dir of projectJsonDirs) {
    const file = posix.join(dir, PROJECT_JSON);
    const json = readJson<ProjectJson>(workspaceRoot, file);
    if (!json || dir === '.') continue;
    const root = stringOr(json.root) ?? dir;
    const name = stringOr(json.name) ?? projects.get(root)?.name ?? directoryProjectName(root);
    projects.set(root, { name, file });
  }
  return projects;
}

/** The name Nx gives a project that names none: its directory's, lowercased. */
function directoryProjectName(dir: string): string {
  return posix.basename(dir).toLowerCase();
}

/** The package.json files the package manager's workspace globs include, as Nx reads them. */
function workspacePackageFiles(workspaceRoot: string): Set<string> {
  const patterns = workspaceGlobs(workspaceRoot).map((pattern) => {
    const negated = pattern.startsWith('!');
    const path = (negated ? pattern.slice(1) : pattern).replace(/^\.\//, '').replace(/\/+$/, '');
    return { negated, glob: path.endsWith(`/${PACKAGE_JSON}`) || path === PACKAGE_JSON ? path : `${path}/${PACKAGE_JSON}` };
  });
  const positive = patterns.filter((pattern) => !pattern.negated).map((pattern) => pattern.glob);
  const negative = patterns.filter((pattern) => pattern.negated).map((pattern) => pattern.glob);
  // Only exclusions: everything else is included (as Nx reads it).
  if (!positive.length && negative.length) positive.push(`**/${PACKAGE_JSON}`);
  if (!positive.length) return new Set();
  const fg = require('fast-glob') as typeof import('fast-glob');
  return new Set(fg.sync(positive, { cwd: workspaceRoot, ignore: [...negative, '**/node_modules/**'], onlyFiles: true }));
}

function workspaceGlobs(workspaceRoot: string): string[] {
  const rootPackage = readJson<PackageJson>(workspaceRoot, PACKAGE_JSON);
  const workspaces = rootPackage?.workspaces;
  const globs = stringsOf(Array.isArray(workspaces) ? workspaces : (workspaces as { packages?: unknown } | undefined)?.packages);
  const pnpm = readText(workspaceRoot, 'pnpm-workspace.yaml');
  if (pnpm !== undefined) {
    try {
      const { parse } = require('yaml') as typeof import('yaml');
      globs.push(...stringsOf((parse(pnpm) as { packages?: unknown } | null)?.packages));
    } catch {
      // Nx warns about an unreadable pnpm-workspace.yaml itself.
    }
  }
  if (existsSync(join(workspaceRoot, 'lerna.json'))) {
    const lerna = stringsOf(readJson<{ packages?: unknown }>(workspaceRoot, 'lerna.json')?.packages);
    globs.push(...(lerna.length ? lerna : ['packages/*']));
  }
  return globs;
}

function readText(workspaceRoot: string, file: string): string | undefined {
  try {
    return readFileSync(join(workspaceRoot, file), 'utf8');
  } catch {
    return undefined;
  }
}

/** JSON as Nx reads project files: comments and trailing commas allowed. */
function readJson<T>(workspaceRoot: string, file: string): T | undefined {
  const text = readText(workspaceRoot, file);
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    try {
      json = parseJsonAsNx(text);
    } catch {
      return undefined;
    }
  }
  return json && typeof json === 'object' ? (json as T) : undefined;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
