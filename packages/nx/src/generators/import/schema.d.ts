export interface ImportGeneratorSchema {
  dockerfile: string;
  name?: string;
  directory?: string;
  context?: string;
  /** NAME=VALUE, repeatable. */
  buildArg?: string | string[];
}
