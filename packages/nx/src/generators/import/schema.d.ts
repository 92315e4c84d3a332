export interface ImportGeneratorSchema {
  dockerfile: string;
  name?: string;
  directory?: string;
  context?: string;
}
