import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { ISort } from '../model';
import { RunKind } from '../runTree';
import { IRun } from '../tokens';

const METRICS_SHOWN = 2; // what fits the sidebar's default width

/** The chosen metrics, else those most runs logged (then by name): what fits the sidebar. */
export function metricNames(chosen: string[], runs: IRun[]): string[] {
  if (chosen.length) {
    return chosen;
  }
  const counts = new Map<string, number>();
  for (const run of runs) {
    for (const name of Object.keys(run.metrics)) {
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, METRICS_SHOWN)
    .map(([name]) => name);
}

/** "More runs" while a model has another page; loads it. */
export function MoreButton(props: {
  model: { hasMore: boolean; loadMore: () => Promise<void> };
  trans: TranslationBundle;
}): JSX.Element | null {
  const { model, trans } = props;
  if (!model.hasMore) {
    return null;
  }
  return (
    <button
      className="jp-mod-styled nbops-more"
      onClick={() => void model.loadMore()}
    >
      {trans.__('More runs')}
    </button>
  );
}

/** A column title that sorts by its key when clicked (again: the other way). */
export function SortHeader(props: {
  label: string;
  sortKey: string;
  sort: ISort;
  onSort: (key: string) => void;
  className?: string;
  title?: string;
}): JSX.Element {
  const { label, sortKey, sort } = props;
  const sorted = sort.key === sortKey;
  const order = sort.descending ? 'descending' : 'ascending';
  return (
    <th
      className={`nbops-sortable ${props.className ?? ''}${sorted ? ' nbops-mod-sorted' : ''}`}
      data-key={sortKey}
      title={props.title}
      aria-sort={sorted ? order : 'none'}
      onClick={() => props.onSort(sortKey)}
    >
      {sorted ? `${label} ${sort.descending ? '▼' : '▲'}` : label}
    </th>
  );
}

/** A run's status dot, name and kind badge. */
export function RunLabel(props: {
  run: IRun;
  kind: RunKind;
  badge: string;
}): JSX.Element {
  const { run, kind } = props;
  return (
    <>
      <span
        className={`nbops-dot nbops-status-${run.status.toLowerCase()}`}
        role="img"
        aria-label={run.status}
        title={run.status}
      />
      <span className="nbops-run-name">
        {run.name || run.run_id.slice(0, 8)}
      </span>
      <span className={`nbops-badge nbops-kind-${kind}`}>{props.badge}</span>
    </>
  );
}

/** The badge of a kind of run, translated. */
export function kindLabel(trans: TranslationBundle, kind: RunKind): string {
  const labels: Record<RunKind, string> = {
    interactive: trans.__('notebook'),
    headless: trans.__('headless'),
    job: trans.__('job'),
    sweep: trans.__('sweep'),
    trial: trans.__('trial'),
    pipeline: trans.__('pipeline'),
    step: trans.__('step'),
    reproduction: trans.__('reproduction'),
    monitor: trans.__('monitor'),
    evaluation: trans.__('evaluation')
  };
  return labels[kind];
}
