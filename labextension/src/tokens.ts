/**
 * Shared types and identifiers of the nbops extension.
 */

/** One run as the server lists it (`GET /nbops/api/runs`). */
export interface IRun {
  run_id: string;
  name: string;
  experiment: string;
  status: string;
  start_time: number | null;
  end_time: number | null;
  duration_ms: number | null;
  params: Record<string, string>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
}

/** The answer of `GET /nbops/api/runs`. */
export interface IListRunsResponse {
  tracking_uri: string;
  experiment: string | null;
  runs: IRun[];
}

/** The answer of `GET /nbops/api/config`. */
export interface IDescribeConfig {
  version: string;
  tracking_uri: string;
  uri_source: string;
  project: string;
  experiment: string | null;
}

/** Command ids, all `nbops:*`. */
export namespace CommandIDs {
  export const refresh = 'nbops:refresh-runs';
  export const openSidebar = 'nbops:open-sidebar';
}
