export interface LockGeneratorSchema {
  /** Regular expressions: only stages whose name matches one are pinned. */
  include?: string[] | string;
  /** Move pins the remote has moved. */
  update?: boolean;
  /** Change nothing; fail when any pin is missing or would move. */
  check?: boolean;
}
