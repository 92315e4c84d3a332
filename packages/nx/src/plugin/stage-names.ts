/** Which name each stage directory gets, so that no two Nx projects share one and no collision fails the graph. */
import { STAGE_FILE_NAME } from '../stage/definition-files';
import { StageError } from '../stage/errors';
import { describeNameRule, isValidStageName, RESERVED_STAGE_NAMES, stageNameFromDirectory, stageNameFromPath } from '../stage/names';

/** An Nx project that a project.json or package.json already defines. */
export interface ExistingProject {
  name: string;
  /** The file that defines it (project.json, or package.json). */
  file: string;
}

/** A stage directory, as far as naming needs it. */
export interface NameCandidate {
  root: string;
  /** The file that defines the stage: its stage.json, or its Dockerfile. */
  file: string;
  /** The "name" its stage.json declares, when it declares one. */
  declared?: string;
  /** The Nx project this directory already is, when it is one: the stage adds its targets to it. */
  project?: ExistingProject;
}

export interface NameAssignment {
  /** Stage root -> its name. A root missing here and from `left` gets its name when it loads (or fails to). */
  names: Map<string, string>;
  /** Roots that are no stage: an error (in `errors`) or a warning says why. */
  left: Set<string>;
  /** The names the left-out stages would have had, so a reference to one is not reported again. */
  leftNames: Set<string>;
  errors: StageError[];
  warnings: string[];
}

/**
 * Names every candidate. A directory that is already an Nx project gives its
 * stage the project's name. A stage.json's "name" is the user's choice: two
 * that declare the same one, or one that names another Nx project, are errors
 * for those files alone. A name derived from the directory steps aside instead:
 * when it is taken, or shared by several directories, each such stage is named
 * after its whole path, with a warning that says how to choose a name.
 * `projects` are all the workspace's Nx projects known from project files.
 */
export function assignStageNames(candidates: readonly NameCandidate[], projects: ReadonlyMap<string, ExistingProject>): NameAssignment {
  const result: NameAssignment = { names: new Map(), left: new Set(), leftNames: new Set(), errors: [], warnings: [] };
  const leave = (candidate: NameCandidate, name: string | undefined) => {
    result.left.add(candidate.root);
    if (name !== undefined) result.leftNames.add(name);
  };
  const projectNames = new Map([...projects.values()].map((project) => [project.name, project]));
  /** Name -> the file of the stage that has it. */
  const assigned = new Map<string, string>();
  const assign = (candidate: NameCandidate, name: string) => {
    result.names.set(candidate.root, name);
    assigned.set(name, candidate.file);
  };

  const fixed = new Map<string, NameCandidate[]>();
  const derived = new Map<string, NameCandidate[]>();
  const add = (map: Map<string, NameCandidate[]>, name: string, candidate: NameCandidate) => map.set(name, [...(map.get(name) ?? []), candidate]);
  for (const candidate of [...candidates].sort((a, b) => a.root.localeCompare(b.root))) {
    if (candidate.project) {
      if (acceptsProjectName(candidate, candidate.project, result)) add(fixed, candidate.project.name, candidate);
      else leave(candidate, candidate.declared ?? candidate.project.name);
    } else if (candidate.declared !== undefined) {
      add(fixed, candidate.declared, candidate);
    } else {
      const name = nameFromDirectory(candidate.root);
      // A directory that gives no valid name is left to loading, which reports it against the file.
      if (name !== undefined) add(derived, name, candidate);
    }
  }

  for (const [name, group] of fixed) {
    const owner = group.find((candidate) => candidate.project)?.project ?? projectNames.get(name);
    for (const candidate of group) {
      const others = group.filter((other) => other !== candidate).map((other) => other.file);
      if (candidate.project || (!owner && !others.length)) {
        assign(candidate, name);
      } else {
        const problem = owner
          ? `stage name '${name}' is the name of the Nx project defined by ${owner.file}; give the stage another name`
          : `stage name '${name}' is also declared by ${others.join(', ')}; stage names must be unique`;
        result.errors.push(new StageError(candidate.file, '/name', problem));
        leave(candidate, name);
      }
    }
  }

  const holderOf = (name: string) => projectNames.get(name)?.file ?? fixed.get(name)?.[0].file;
  const taken = (name: string) => holderOf(name) !== undefined || RESERVED_STAGE_NAMES.has(name);
  const renamed: NameCandidate[] = [];
  for (const [name, group] of derived) {
    if (group.length === 1 && !taken(name)) {
      assign(group[0], name);
      continue;
    }
    renamed.push(...group);
    result.warnings.push(collisionWarning(name, group, holderOf(name)));
  }
  for (const candidate of renamed) {
    const name = stageNameFromPath(candidate.root);
    const holder = assigned.get(name) ?? holderOf(name);
    if (holder !== undefined || RESERVED_STAGE_NAMES.has(name)) {
      const pointer = candidate.file.endsWith(STAGE_FILE_NAME) ? '/name' : '';
      const clash = holder !== undefined ? `which ${holder} already gives` : `a reserved name`;
      const problem = `its directory's name is taken, and its path gives the stage name '${name}', ${clash}; ${HOW_TO_NAME}`;
      result.errors.push(new StageError(candidate.file, pointer, problem));
      leave(candidate, name);
    } else {
      assign(candidate, name);
    }
  }
  return result;
}

const HOW_TO_NAME = 'to choose a stage name, give it as "name" in a stage.json in the directory';

/**
 * A project's name is its stage's name when it is a valid one and stage.json
 * does not declare another. A project whose name no image can carry (such as an
 * npm scope, @acme/web) is left as it is, with a warning.
 */
function acceptsProjectName(candidate: NameCandidate, project: ExistingProject, result: NameAssignment): boolean {
  if (candidate.declared !== undefined && candidate.declared !== project.name) {
    result.errors.push(
      new StageError(
        candidate.file,
        '/name',
        `${candidate.root} is the Nx project '${project.name}' (${project.file}), and its stage takes the project's name; remove "name" or set it to "${project.name}"`,
      ),
    );
    return false;
  }
  const reserved = RESERVED_STAGE_NAMES.get(project.name);
  if (!isValidStageName(project.name) || reserved) {
    const why = reserved ? `'${project.name}' is reserved (${reserved})` : describeNameRule();
    result.warnings.push(
      `Stagecraft: ${candidate.file} is in the Nx project '${project.name}' (${project.file}), whose name cannot be a stage name (${why}), ` +
        `so Stagecraft adds no targets to it; to build it as a stage, move it into a directory of its own (a stage.json there can name it)`,
    );
    return false;
  }
  return true;
}

function nameFromDirectory(root: string): string | undefined {
  try {
    return stageNameFromDirectory(root);
  } catch {
    return undefined;
  }
}

function collisionWarning(name: string, group: readonly NameCandidate[], holder: string | undefined): string {
  const files = group.map((candidate) => candidate.file).join(' and ');
  const clash = [
    ...(group.length > 1 ? [`${files} would all be stage '${name}'`] : [`${files} would be stage '${name}'`]),
    ...(holder !== undefined ? [`a name ${holder} already gives`] : []),
    ...(RESERVED_STAGE_NAMES.has(name) ? [`a reserved name (${RESERVED_STAGE_NAMES.get(name)})`] : []),
  ].join(', ');
  const renamedTo = group.map((candidate) => `'${stageNameFromPath(candidate.root)}'`).join(' and ');
  const named = group.length === 1 ? `it is stage ${renamedTo}, after its path` : `they are stages ${renamedTo}, after their paths`;
  return `Stagecraft: ${clash}; ${named}. ${HOW_TO_NAME[0].toUpperCase()}${HOW_TO_NAME.slice(1)}.`;
}
