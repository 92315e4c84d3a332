export interface UpdateTagsGeneratorSchema {
  list?: boolean;
  all?: boolean;
  include?: string[] | string;
  exclude?: string[] | string;
  check?: boolean;
}
