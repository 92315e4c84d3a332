import type { BuildType } from '../../stage/types';

export interface StageGeneratorSchema {
  name: string;
  directory?: string;
  type?: BuildType;
  from?: string;
  /** Comma-separated or repeated on the command line. */
  depends?: string[] | string;
  git?: string;
  rev?: string;
  url?: string;
  sha256?: string;
  path?: string;
}
