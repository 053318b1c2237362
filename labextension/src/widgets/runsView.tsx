import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { runKind } from '../runTree';
import { RunsViewModel } from '../runsViewModel';
import { CommandIDs, IRun } from '../tokens';
import { formatDuration, formatTime, formatValue, fullValue } from './dom';
import { kindLabel, MoreButton, RunLabel, SortHeader } from './runsTable';
import { Message } from '../sections/parts';

const FILTER_EXAMPLE = "metrics.rmse < 3 and params.alpha = '0.5'";

/**
 * The Runs view (a main-area tab): every run of a notebook in one wide table, a column per
 * metric and per parameter, sortable by any of them, filtered with MLflow's search syntax;
 * select runs and compare them.
 */
export class RunsView extends ReactWidget {
  constructor(
    private readonly _model: RunsViewModel,
    private readonly _commands: CommandRegistry,
    translator: ITranslator = nullTranslator
  ) {
    super();
    this._trans = translator.load('nbops');
    this.addClass('nbops-runs-view');
    _model.changed.connect(() => this.update());
  }

  protected render(): JSX.Element {
    const model = this._model;
    const trans = this._trans;
    const selected = model.selected;
    return (
      <>
        <form
          className="nbops-filter"
          onSubmit={event => {
            event.preventDefault();
            void model.setFilter(this._draft);
          }}
        >
          <input
            className="jp-mod-styled nbops-filter-input"
            type="search"
            defaultValue={model.filter}
            placeholder={FILTER_EXAMPLE}
            aria-label={trans.__("Filter in MLflow's search syntax")}
            onChange={event => (this._draft = event.target.value)}
          />
          <button type="submit" className="jp-mod-styled nbops-filter-apply">
            {trans.__('Filter')}
          </button>
          <button
            type="button"
            className="jp-mod-styled jp-mod-accept nbops-compare"
            disabled={selected.length < 2}
            onClick={() =>
              void this._commands.execute(CommandIDs.compare, {
                ids: selected,
                notebook: model.notebook
              })
            }
          >
            {trans.__('Compare (%1)', selected.length)}
          </button>
        </form>
        {model.error && <Message error>{model.error}</Message>}
        {model.runs.length === 0 && !model.loading ? (
          <Message>
            {model.filter
              ? trans.__('No run of %1 matches the filter.', model.notebook)
              : trans.__('%1 has no runs yet.', model.notebook)}
          </Message>
        ) : (
          this._table()
        )}
        <MoreButton model={model} trans={trans} />
      </>
    );
  }

  private _table(): JSX.Element {
    const model = this._model;
    const trans = this._trans;
    const { metrics, params } = model.columns;
    const header = (label: string, key: string, className = '') => (
      <SortHeader
        key={key}
        label={label}
        sortKey={key}
        sort={model.sort}
        onSort={k => void model.setSort(k)}
        className={className}
      />
    );
    return (
      <table className="nbops-wide">
        <thead>
          <tr>
            <th />
            <th>{trans.__('Run')}</th>
            {header(trans.__('Started'), 'start_time')}
            <th>{trans.__('Duration')}</th>
            {metrics.map(m => header(m, `metrics.${m}`, 'nbops-metric'))}
            {params.map(p => header(p, `params.${p}`, 'nbops-param'))}
          </tr>
        </thead>
        <tbody>{model.runs.map(run => this._row(run, metrics, params))}</tbody>
      </table>
    );
  }

  private _row(run: IRun, metrics: string[], params: string[]): JSX.Element {
    const model = this._model;
    const trans = this._trans;
    const selected = model.selected.includes(run.run_id);
    const kind = runKind(run);
    return (
      <tr
        key={run.run_id}
        className={`nbops-run${selected ? ' nbops-mod-selected' : ''}`}
        data-run-id={run.run_id}
        title={`${run.run_id} · ${run.experiment}`}
      >
        <td>
          <input
            type="checkbox"
            className="nbops-select"
            checked={selected}
            aria-label={trans.__('Select %1', run.name)}
            onChange={() => model.toggle(run.run_id)}
          />
        </td>
        <td>
          <div className="nbops-run-line">
            <RunLabel run={run} kind={kind} badge={kindLabel(trans, kind)} />
          </div>
        </td>
        <td>{formatTime(run.start_time)}</td>
        <td>{formatDuration(run.duration_ms)}</td>
        {metrics.map(m => (
          <td
            key={m}
            className="nbops-metric"
            title={fullValue(run.metrics[m])}
          >
            {run.metrics[m] === undefined ? '' : formatValue(run.metrics[m])}
          </td>
        ))}
        {params.map(p => (
          <td key={p} className="nbops-param">
            {run.params[p] ?? ''}
          </td>
        ))}
      </tr>
    );
  }

  private _draft = '';
  private _trans: ReturnType<ITranslator['load']>;
}
