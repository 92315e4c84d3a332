/**
 * The plugin's options: found in nx.json, checked in one place (every field's type and
 * form, and names that are not options at all, with errors naming nx.json and the
 * field), and resolved with their defaults.
 */
import type { NxJsonConfiguration } from '@nx/devkit';
import { PLUGIN_NAMES, PLUGIN_PACKAGE } from '../identity/identity';
import { BUILDER_CHOICES } from '../docker/builder';
import { editDistance } from './edit-distance';
import { DEFAULT_OPTIONS, REFRESH_PERIODS, type ResolvedOptions, type StagecraftOptions, type TargetKind } from './types';

/** The options of the Stagecraft entry in nx.json's plugins, or {} when it is registered without options. */
export function pluginOptionsFrom(nxJson: NxJsonConfiguration | undefined): StagecraftOptions {
  for (const entry of nxJson?.plugins ?? []) {
    if (typeof entry === 'string') {
      if (PLUGIN_NAMES.includes(entry)) return {};
    } else if (PLUGIN_NAMES.includes(entry.plugin)) {
      return (entry.options ?? {}) as StagecraftOptions;
    }
  }
  return {};
}

/** Where an option of the plugin is set, for messages: nx.json at the plugin's options/<field>. */
export function optionLocation(field: string): string {
  return `nx.json at the ${PLUGIN_PACKAGE} plugin's options/${field}`;
}

/** host[:port][/path]: a registry host (name, IPv4 or [IPv6]) and repository path components, as Docker spells them. */
export const REGISTRY_PREFIX =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:]+\])(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*\/?$/;

const TARGET_KINDS = Object.keys(DEFAULT_OPTIONS.targetNames) as TargetKind[];
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_NAME = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const PULL_MODES = ['always', 'when-needed'];
const PLATFORM = /^[a-z0-9_]+\/[a-z0-9_]+(?:\/[a-z0-9_]+)?$/;
const TARGET_NAME = /^[^\s:]+$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

type Check = (value: unknown, at: (field: string) => string) => void;

const expectString = (value: unknown, field: string, at: (field: string) => string, what: string, ok: (text: string) => boolean) => {
  if (typeof value !== 'string' || !ok(value)) throw new Error(`${at(field)}: expected ${what}, got ${JSON.stringify(value)}`);
};
const expectBoolean = (field: string): Check => (value, at) => {
  if (typeof value !== 'boolean') throw new Error(`${at(field)}: expected true or false, got ${JSON.stringify(value)}`);
};
const expectOneOf = (field: string, choices: readonly string[]): Check => (value, at) =>
  expectString(value, field, at, `one of ${choices.map((choice) => JSON.stringify(choice)).join(', ')}`, (text) => choices.includes(text));
const expectRegistry = (field: string): Check => (value, at) =>
  expectString(value, field, at, 'host[:port][/path], like "registry.example:5000/ci"', (text) => REGISTRY_PREFIX.test(text));

/** Every option the plugin reads, with its check. A field not named here is a mistake (a typo, or an option of another plugin). */
const OPTION_CHECKS: Record<keyof StagecraftOptions, Check> = {
  imageName: (value, at) =>
    expectString(value, 'imageName', at, 'lowercase letters and digits, separated by . _ __ - or /, like "acme"', (text) => IMAGE_NAME.test(text)),
  registry: expectRegistry('registry'),
  push: expectBoolean('push'),
  upstreamRegistries: (value, at) => {
    if (!Array.isArray(value)) throw new Error(`${at('upstreamRegistries')}: expected an array of host[:port][/path] strings, got ${JSON.stringify(value)}`);
    value.forEach((entry, index) => expectRegistry(`upstreamRegistries/${index}`)(entry, at));
  },
  pull: expectOneOf('pull', PULL_MODES),
  defaultBase: (value, at) =>
    expectString(value, 'defaultBase', at, 'a stage name or an image reference such as "debian:12"', (text) => text.length > 0 && !/\s/.test(text)),
  defaultRefresh: expectOneOf('defaultRefresh', REFRESH_PERIODS),
  prefix: (value, at) => expectString(value, 'prefix', at, 'an absolute path inside the image, like "/usr/local"', (text) => text.startsWith('/') && !CONTROL.test(text)),
  platform: (value, at) => expectString(value, 'platform', at, 'os/arch[/variant], like "linux/amd64"', (text) => PLATFORM.test(text)),
  targetNames: (value, at) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error(`${at('targetNames')}: expected an object of target names, like { "dockerStage": "image" }, got ${JSON.stringify(value)}`);
    }
    for (const [kind, name] of Object.entries(value)) {
      if (!TARGET_KINDS.includes(kind as TargetKind)) throw new Error(`${at(`targetNames/${kind}`)}: ${unknownName(kind, TARGET_KINDS)}`);
      expectString(name, `targetNames/${kind}`, at, 'a target name without spaces or ":"', (text) => TARGET_NAME.test(text));
    }
  },
  declaredTags: (value, at) =>
    expectString(value, 'declaredTags', at, 'a file path relative to the workspace root, like "stagecraft-tags.yml"', (text) =>
      text.length > 0 && !text.startsWith('/') && !/(^|\/)\.\.(\/|$)/.test(text) && !CONTROL.test(text),
    ),
  requireDeclaredTags: expectBoolean('requireDeclaredTags'),
  verifyDeclaredTags: expectBoolean('verifyDeclaredTags'),
  builder: expectOneOf('builder', BUILDER_CHOICES),
  equivalence: expectBoolean('equivalence'),
  skipDirectories: (value, at) => {
    if (!Array.isArray(value)) throw new Error(`${at('skipDirectories')}: expected an array of directory names, like ["vendor"], got ${JSON.stringify(value)}`);
    value.forEach((entry, index) =>
      expectString(entry, `skipDirectories/${index}`, at, 'a directory name (no "/")', (text) => text.length > 0 && !/[/\\]/.test(text) && !CONTROL.test(text)),
    );
  },
};

/** The options with their defaults, once checked: what every reader of the options starts from. */
export function resolveOptions(options: StagecraftOptions | undefined): ResolvedOptions {
  const given = checkPluginOptions(options);
  return {
    ...DEFAULT_OPTIONS,
    ...given,
    targetNames: { ...DEFAULT_OPTIONS.targetNames, ...(given.targetNames ?? {}) },
  };
}

/**
 * The options as given, once every field is checked. `at` says where a field is set
 * (default: the plugin's options in nx.json; the init generator names its flags).
 */
export function checkPluginOptions(options: unknown, at: (field: string) => string = optionLocation): StagecraftOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`nx.json at the ${PLUGIN_PACKAGE} plugin's options: expected an object, got ${JSON.stringify(options)}`);
  }
  for (const [field, value] of Object.entries(options)) {
    const check = OPTION_CHECKS[field as keyof StagecraftOptions];
    if (!check) throw new Error(`${at(field)}: ${unknownName(field, Object.keys(OPTION_CHECKS))}`);
    if (value !== undefined) check(value, at);
  }
  const { targetNames } = options as StagecraftOptions;
  const names = { ...DEFAULT_OPTIONS.targetNames, ...targetNames };
  const kindsByName = new Map<string, string>();
  for (const [kind, name] of Object.entries(names)) {
    const other = kindsByName.get(name);
    if (other) {
      const [given, taken] = targetNames && kind in targetNames ? [kind, other] : [other, kind];
      throw new Error(`${at(`targetNames/${given}`)}: "${name}" is already the name of the ${taken} target; each target needs its own name`);
    }
    kindsByName.set(name, kind);
  }
  return options as StagecraftOptions;
}

function unknownName(name: string, known: readonly string[]): string {
  const closest = [...known].sort((a, b) => editDistance(name, a) - editDistance(name, b))[0];
  const hint = closest !== undefined && editDistance(name, closest) <= Math.max(2, Math.floor(name.length / 3)) ? `did you mean "${closest}"? ` : '';
  return `not an option of ${PLUGIN_PACKAGE}; ${hint}the options are ${known.join(', ')}`;
}
