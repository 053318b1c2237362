import * as React from 'react';

import { IRunNode } from '../runTree';
import { CommandIDs } from '../tokens';
import {
  formatDuration,
  formatTime,
  formatValue,
  fullValue
} from '../widgets/dom';
import {
  kindLabel,
  metricNames,
  MoreButton,
  RunLabel,
  SortHeader
} from '../widgets/runsTable';
import { Message } from './parts';
import { ISectionContext } from './registry';

const INDENT_PX = 14;

/** The Runs section: the actions on the selected runs, the nested table, more runs. */
export function RunsSection({ ctx }: { ctx: ISectionContext }): JSX.Element {
  const { model, trans, commands } = ctx;
  if (model.runs.length === 0) {
    return (
      <div className="nbops-runs-box">
        <Message>
          {trans.__(
            'No runs yet. Run `%load_ext nbops` and log a metric in this notebook to record one.'
          )}
        </Message>
      </div>
    );
  }
  const count = model.selected.length;
  const run = (command: string, args = {}) =>
    void commands.execute(command, args);
  return (
    <div className="nbops-runs-box">
      <div className="nbops-actions">
        <button
          className="jp-mod-styled jp-mod-accept nbops-compare"
          disabled={count < 2}
          onClick={() => run(CommandIDs.compare)}
        >
          {trans.__('Compare (%1)', count)}
        </button>
        <button
          className="jp-mod-styled nbops-report"
          disabled={count !== 1}
          onClick={() =>
            run(CommandIDs.openReport, { runId: model.selected[0] })
          }
        >
          {trans.__('Report')}
        </button>
        <button
          className="jp-mod-styled nbops-reproduce"
          disabled={count !== 1}
          title={trans.__(
            'Run the selected run again as recorded and compare (nbops reproduce)'
          )}
          onClick={() => run(CommandIDs.reproduce)}
        >
          {trans.__('Reproduce')}
        </button>
        <button
          className="jp-mod-styled nbops-open-table"
          title={trans.__(
            "Every run in a tab: a column per metric and parameter, MLflow's filters"
          )}
          onClick={() => run(CommandIDs.openRunsView)}
        >
          {trans.__('Table')}
        </button>
        <button
          className="jp-mod-styled nbops-lineage"
          disabled={count !== 1}
          title={trans.__(
            'Where the selected run came from and what it led to: snapshots, runs, model versions'
          )}
          onClick={() => run(CommandIDs.openLineage)}
        >
          {trans.__('Lineage')}
        </button>
        <button
          className="jp-mod-styled nbops-promote"
          disabled={count !== 1}
          title={trans.__(
            "Register the selected run's model; move @champion past gates"
          )}
          onClick={() => run(CommandIDs.promote)}
        >
          {trans.__('Promote…')}
        </button>
      </div>
      <RunsTable ctx={ctx} />
      <MoreButton model={model} trans={trans} />
    </div>
  );
}

/**
 * The runs table, narrow enough for the sidebar. Each run takes two lines: its name with
 * select box, status and kind across the whole width, then its start time under the Run
 * column and its values under the metric columns. Runs of a sweep or pipeline nest under
 * their parent, which expands and collapses.
 */
function RunsTable({ ctx }: { ctx: ISectionContext }): JSX.Element {
  const { model, trans } = ctx;
  const metrics = metricNames(ctx.metrics, model.runs);
  const columns: [string, string][] = [
    [trans.__('Run'), 'start_time'],
    ...metrics.map(m => [m, `metrics.${m}`] as [string, string])
  ];
  const rows: JSX.Element[] = [];
  const addRuns = (nodes: IRunNode[], depth: number) => {
    for (const node of nodes) {
      rows.push(
        <RunLines
          key={node.run.run_id}
          ctx={ctx}
          node={node}
          depth={depth}
          metrics={metrics}
        />
      );
      if (node.children.length && model.isExpanded(node.run.run_id)) {
        addRuns(node.children, depth + 1);
      }
    }
  };
  addRuns(model.tree, 0);
  return (
    <table className="nbops-runs">
      <colgroup>
        <col className="nbops-col-run" />
        {metrics.map(name => (
          <col key={name} className="nbops-col-metric" />
        ))}
      </colgroup>
      <thead>
        <tr>
          {columns.map(([label, key]) => (
            <SortHeader
              key={key}
              label={label}
              sortKey={key}
              sort={model.sort}
              onSort={k => void model.setSort(k)}
              className={key === 'start_time' ? '' : 'nbops-metric'}
              title={
                key === 'start_time'
                  ? trans.__('Sort by start time')
                  : trans.__('Sort by %1', label)
              }
            />
          ))}
        </tr>
      </thead>
      {rows}
    </table>
  );
}

/** One run's two lines: select box, expander, status, name, kind; then start and metrics. */
function RunLines(props: {
  ctx: ISectionContext;
  node: IRunNode;
  depth: number;
  metrics: string[];
}): JSX.Element {
  const { ctx, node, depth, metrics } = props;
  const { model, trans } = ctx;
  const run = node.run;
  const selected = model.selected.includes(run.run_id);
  const mods =
    (selected ? ' nbops-mod-selected' : '') +
    (depth > 0 ? ' nbops-mod-nested' : '') +
    (node.own ? '' : ' nbops-mod-foreign');
  const open = model.isExpanded(run.run_id);
  const children = node.children.length;
  return (
    <tbody className="nbops-run-lines">
      <tr
        className={`nbops-run${mods}`}
        data-run-id={run.run_id}
        data-kind={node.kind}
        title={trans.__(
          '%1 · %2 · started %3 · %4',
          run.run_id,
          run.experiment,
          formatTime(run.start_time),
          formatDuration(run.duration_ms)
        )}
      >
        <td colSpan={1 + metrics.length}>
          <div
            className="nbops-run-line"
            style={{ paddingLeft: depth * INDENT_PX }}
          >
            <input
              type="checkbox"
              className="nbops-select"
              checked={selected}
              aria-label={trans.__('Select %1', run.name)}
              onChange={() => void model.toggle(run.run_id)}
            />
            {children > 0 && (
              <button
                className="nbops-expand"
                aria-expanded={open}
                aria-label={
                  open
                    ? trans.__('Hide the %1 runs of %2', children, run.name)
                    : trans.__('Show the %1 runs of %2', children, run.name)
                }
                onClick={() => model.toggleExpanded(run.run_id)}
              >
                {open ? '▾' : '▸'}
              </button>
            )}
            <RunLabel
              run={run}
              badge={
                kindLabel(trans, node.kind) + (children ? ` ${children}` : '')
              }
              kind={node.kind}
            />
          </div>
        </td>
      </tr>
      <tr className={`nbops-run-values${mods}`} data-run-id={run.run_id}>
        <td
          className="nbops-run-meta"
          style={{ paddingLeft: depth * INDENT_PX + 24 }}
        >
          {formatTime(run.start_time)}
        </td>
        {metrics.map(name => (
          <td
            key={name}
            className="nbops-metric"
            title={fullValue(run.metrics[name])}
          >
            {run.metrics[name] === undefined
              ? ''
              : formatValue(run.metrics[name])}
          </td>
        ))}
      </tr>
    </tbody>
  );
}
