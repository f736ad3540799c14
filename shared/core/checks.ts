/** One named check of a connection test, as `test` (CLI) and the management API print them. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  /** Not run (a previous check failed, or it needs the admin's leave); `ok` says whether that is fine. */
  skipped?: boolean;
}
