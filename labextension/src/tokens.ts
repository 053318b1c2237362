/**
 * Shared types and identifiers of the nbops extension (the REST API's models, see api/openapi.yaml).
 */

import { PartialJSONObject } from '@lumino/coreutils';

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

/** `ListRunsResponse`: one page of runs. */
export interface IListRunsResponse {
  tracking_uri: string;
  experiment: string | null;
  runs: IRun[];
  /** The parents (pipelines, sweeps) of the page's runs that are not on it. */
  parents?: IRun[];
  next_page_token: string | null;
}

/** One value of a metric. */
export interface IMetricPoint {
  step: number;
  value: number;
  timestamp: number;
}

/** `DescribeRun`: one run with its history, artifacts, data and environment. */
export interface IDescribeRun extends IRun {
  artifacts: string[];
  datasets: { name: string; digest: string; role: string }[];
  metric_history: Record<string, IMetricPoint[]>;
  /** The run's metrics as one chart, a line per metric (absent from an older server). */
  chart?: IChart;
  environment: Record<string, unknown> | null;
}

/** A row of a comparison: one name, its value in each run. */
export interface ICompareRow {
  name: string;
  values: unknown[];
  differs: boolean;
}

/** `DescribeComparison`: what differs between runs, the first being the reference. */
export interface IDescribeComparison {
  runs: IRun[];
  /** Per run after the first: what changed against it (`nbops diff`'s summary). */
  summary: { run_id: string; lines: string[] }[];
  params: ICompareRow[];
  metrics: ICompareRow[];
  data: ICompareRow[];
  environment: { run_id: string; lines: string[] }[];
  code: { run_id: string; changes: { kind: string; diff: string }[] }[];
  history: Record<string, Record<string, IMetricPoint[]>>;
  charts: IChart[];
}

/** A chart as the server builds it: a title and a Vega-Lite (v5) specification. */
export interface IChart {
  title: string;
  spec: PartialJSONObject;
}

/** A snapshot catalog entry (`ListSnapshotsResponse`). */
export interface ISnapshot {
  id: string;
  name: string;
  role: string;
  run_id: string | null;
  created: string;
  rows: number;
  columns: number;
}

/** `DescribeSnapshot`: a snapshot with its schema and profile. */
export interface IDescribeSnapshot extends ISnapshot {
  schema: Record<string, string>;
  profile: { rows: number; columns: Record<string, Record<string, unknown>> };
  /** Its version under its name (null if it was only read). */
  version: number | null;
  /** The id of the version before it (null for the first). */
  previous: string | null;
}

/** `DescribeDataDiff`: snapshot `b` against snapshot `a` (`nbops data diff`). */
export interface IDescribeDataDiff {
  a: { id: string; name: string; rows: number; columns: number };
  b: { id: string; name: string; rows: number; columns: number };
  key: string[];
  added_columns: string[];
  removed_columns: string[];
  retyped: { column: string; a: string; b: string }[];
  rows_added: number;
  rows_removed: number;
  rows_changed: number;
  rows_matched: number;
  columns: {
    column: string;
    changed: number;
    examples: { key: Record<string, unknown>; a: unknown; b: unknown }[];
  }[];
  drift: { column: string; psi: number | null; drifted: boolean }[];
  drift_sample: number | null;
  differs: boolean;
}

/** One parameter of a step's schema. */
export interface IParameter {
  name: string;
  type: string;
  default: unknown;
  help: string;
  required: boolean;
}

/** `DescribeStep`: an exported step version. */
export interface IStep {
  name: string;
  version: string;
  source: string;
  exported_at: string;
  parameters: IParameter[];
  inputs: string[];
  outputs: string[];
  folder: string;
  written?: boolean;
}

/** `DescribeJob`: a headless run started from the lab. */
export interface IJob {
  id: string;
  run_id: string;
  target: string;
  notebook: string;
  parameters: Record<string, unknown>;
  status: string;
  cells_done: number;
  cells_total: number;
  error: string | null;
  created: number;
  report: string | null;
}

/** A reproduction (`POST runs/<id>/reproduce`, `GET reproductions/<id>`). */
export interface IReproduction {
  id: string;
  original: string;
  created: number;
  status: 'RUNNING' | 'DONE' | 'ERROR';
  run_id: string | null;
  verdict:
    'IDENTICAL' | 'WITHIN TOLERANCE' | 'DIFFERENT' | 'NOT REPRODUCIBLE' | null;
  summary: string | null;
  error: string | null;
  missing?: string[];
  explanations?: string[];
  notes?: string[];
}

/** One gate as judged by a promotion. */
export interface IGateRow {
  gate: string;
  candidate: number | null;
  champion: number | null;
  threshold: number | null;
  passed: boolean;
  note: string;
}

/** A model version registered from one of the notebook's runs (`GET models`). */
export interface IModelVersion {
  model: string;
  version: string;
  run_id: string;
  aliases: string[];
  decision: string | null;
  gates: IGateRow[];
  champion_version: string | null;
}

/** A monitor run (`GET models`). */
export interface IMonitor {
  run_id: string;
  name: string;
  experiment: string;
  start_time: number | null;
  verdict: string | null;
  drifted: string[];
  retrain_run: string | null;
  promotion: string | null;
}

/** What `POST runs/<id>/promote` decided. */
export interface IPromotion {
  model: string;
  version: string;
  alias: string;
  promoted: boolean;
  decision: string;
  summary: string;
  rows: IGateRow[];
}

/** The answer of `GET /nbops/api/config`. */
export interface IDescribeConfig {
  version: string;
  tracking_uri: string;
  uri_source: string;
  project: string;
  experiment: string | null;
}

/** The user's settings (schema/plugin.json). */
export interface ISettings {
  metrics: string[];
  refreshInterval: number;
  defaultKernel: string;
}

/** Command ids, all `nbops:*`. */
export namespace CommandIDs {
  export const refresh = 'nbops:refresh-runs';
  export const openSidebar = 'nbops:open-sidebar';
  export const compare = 'nbops:compare-runs';
  export const diffSnapshot = 'nbops:diff-snapshot';
  export const openLineage = 'nbops:open-lineage';
  export const openPipeline = 'nbops:open-pipeline';
  export const schedulePipeline = 'nbops:schedule-pipeline';
  export const openRunsView = 'nbops:open-runs-view';
  export const exportStep = 'nbops:export-step';
  export const runHeadless = 'nbops:run-headless';
  export const openReport = 'nbops:open-report';
  export const reproduce = 'nbops:reproduce-run';
  export const promote = 'nbops:promote-run';
  export const tagParameters = 'nbops:tag-parameters';
  export const tagSkip = 'nbops:tag-skip';
  export const tagHide = 'nbops:tag-report-hide';
}

/** A run, a snapshot or a model version in a lineage graph. */
export interface ILineageNode {
  key: string;
  kind: 'run' | 'snapshot' | 'model';
  label: string;
  details: PartialJSONObject;
}

/** `DescribeLineage`: the graph around `centre` (a node's key). */
export interface IDescribeLineage {
  centre: string;
  nodes: ILineageNode[];
  edges: { source: string; target: string; relation: string }[];
  mermaid: string;
}

/** A step in `DescribePipeline`, with how it went in the pipeline's last run. */
export interface IPipelineStep {
  name: string;
  target: string;
  upstream: string[];
  inputs: string[];
  outputs: string[];
  parameters: Record<string, string>;
  last: {
    status: string;
    run_id: string | null;
    seconds: number | null;
    error: string | null;
    inputs: Record<string, string>;
    outputs: Record<string, string>;
  } | null;
}

/** `DescribePipeline`: a pipeline file, its DAG and its last run. */
export interface IDescribePipeline {
  name: string;
  steps: IPipelineStep[];
  mermaid: string;
  running_here: boolean;
  /** The executor a run from the lab uses unless told; those installed. */
  executor?: string;
  executors?: string[];
  last_run: {
    run_id: string;
    status: string;
    start_time: number | null;
    seconds: number | null;
  } | null;
}

/** One run a schedule started: the parent run and its steps. */
export interface IScheduledRun {
  run_id: string;
  status: string;
  start_time: number | null;
  seconds: number | null;
  /** Airflow's run id (empty for cron). */
  scheduler_run: string;
  steps: { name: string; status: string | null; run_id: string | null }[];
}

/** `DescribeSchedule`: a schedule nbops installed (a DAG file, a crontab line). */
export interface ISchedule {
  id: string;
  target: 'airflow' | 'cron';
  pipeline: string;
  /** The pipeline under the server's root (null outside it). */
  path: string | null;
  cron: string;
  /** The DAG file, or `crontab`. */
  where: string;
  line: string;
  monitor: boolean;
  next_runs: string[];
  last_runs: IScheduledRun[];
  error: string;
  installed?: boolean;
}

/** `ListSchedulesResponse`. */
export interface IListSchedules {
  schedules: ISchedule[];
  problems: string[];
  dags_folder: string | null;
  cron: boolean;
}
