/** One check of `tajo connectors test <connector>`: what was checked and, when it fails, what to do. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  /** Not run (a previous check failed, or it needs the admin's leave); `ok` says whether that is fine. */
  skipped?: boolean;
}
