import type { Refresh } from '../../stage/types';

export interface InitGeneratorSchema {
  imageName?: string;
  registry?: string;
  defaultBase?: string;
  defaultRefresh?: Refresh;
  skipFormat?: boolean;
}
