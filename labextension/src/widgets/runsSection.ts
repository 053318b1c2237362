import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';

import { RunsModel } from '../model';
import { CommandIDs, IRun } from '../tokens';
import { formatDuration, formatTime, formatValue, h, message } from './dom';

const METRICS_SHOWN = 3;

/** What a sidebar section renders from: the model, the commands, the translator. */
export interface ISectionContext {
  model: RunsModel;
  commands: CommandRegistry;
  trans: TranslationBundle;
  /** Metric names shown as columns (from the settings; else the first few found). */
  metrics: string[];
}

/** The Runs section: compare and report actions, the sortable table, more runs. */
export function renderRuns(ctx: ISectionContext): HTMLElement {
  const model = ctx.model;
  const trans = ctx.trans;
  const box = h('div', 'nbops-runs-box');
  if (model.runs.length === 0) {
    box.appendChild(
      message(
        trans.__(
          'No runs yet. Run `%load_ext nbops` and log a metric in this notebook to record one.'
        )
      )
    );
    return box;
  }
  const actions = h('div', 'nbops-actions');
  const compare = h(
    'button',
    'jp-mod-styled jp-mod-accept nbops-compare',
    trans.__('Compare (%1)', model.selected.length)
  );
  compare.disabled = model.selected.length < 2;
  compare.onclick = () => void ctx.commands.execute(CommandIDs.compare);
  const report = h('button', 'jp-mod-styled nbops-report', trans.__('Report'));
  report.disabled = model.selected.length !== 1;
  report.onclick = () =>
    void ctx.commands.execute(CommandIDs.openReport, {
      runId: model.selected[0]
    });
  const reproduce = commandButton(
    ctx,
    'nbops-reproduce',
    trans.__('Reproduce'),
    trans.__(
      'Run the selected run again as recorded and compare (nbops reproduce)'
    ),
    CommandIDs.reproduce
  );
  const promote = commandButton(
    ctx,
    'nbops-promote',
    trans.__('Promote…'),
    trans.__("Register the selected run's model; move @champion past gates"),
    CommandIDs.promote
  );
  actions.append(compare, report, reproduce, promote);
  box.appendChild(actions);
  box.appendChild(runsTable(ctx, model.runs));
  if (model.hasMore) {
    const more = h('button', 'jp-mod-styled nbops-more', trans.__('More runs'));
    more.onclick = () => void model.loadMore();
    box.appendChild(more);
  }
  return box;
}

/** A button running `command` on the one selected run (disabled otherwise). */
function commandButton(
  ctx: ISectionContext,
  className: string,
  label: string,
  title: string,
  command: string
): HTMLButtonElement {
  const button = h('button', `jp-mod-styled ${className}`, label);
  button.disabled = ctx.model.selected.length !== 1;
  button.title = title;
  button.onclick = () => void ctx.commands.execute(command);
  return button;
}

function metricNames(ctx: ISectionContext, runs: IRun[]): string[] {
  if (ctx.metrics.length) {
    return ctx.metrics;
  }
  const names = new Set<string>();
  for (const run of runs) {
    Object.keys(run.metrics).forEach(name => names.add(name));
  }
  return [...names].sort().slice(0, METRICS_SHOWN);
}

function runsTable(ctx: ISectionContext, runs: IRun[]): HTMLTableElement {
  const model = ctx.model;
  const trans = ctx.trans;
  const metrics = metricNames(ctx, runs);
  const table = h('table', 'nbops-runs');
  const head = table.createTHead().insertRow();
  head.appendChild(h('th', '', ''));
  const columns: [string, string | null][] = [
    [trans.__('Run'), null],
    [trans.__('Started'), 'start_time'],
    [trans.__('Duration'), null],
    ...metrics.map(m => [m, `metrics.${m}`] as [string, string])
  ];
  for (const [label, key] of columns) {
    const th = h('th', key ? 'nbops-sortable' : '', label);
    if (key) {
      if (model.sort.key === key) {
        th.textContent = `${label} ${model.sort.descending ? '▼' : '▲'}`;
        th.classList.add('nbops-mod-sorted');
      }
      th.onclick = () => void model.setSort(key);
    }
    head.appendChild(th);
  }
  const selected = new Set(model.selected);
  const tbody = table.createTBody();
  for (const run of runs) {
    const row = tbody.insertRow();
    row.className = 'nbops-run';
    row.classList.toggle('nbops-mod-selected', selected.has(run.run_id));
    row.dataset.runId = run.run_id;
    row.title = run.run_id;
    const pick = h('input', 'nbops-select');
    pick.type = 'checkbox';
    pick.checked = selected.has(run.run_id);
    pick.setAttribute('aria-label', trans.__('Select %1', run.name));
    pick.onchange = () => void model.toggle(run.run_id);
    row.insertCell().appendChild(pick);
    const cell = row.insertCell();
    cell.appendChild(
      h('div', 'nbops-run-name', run.name || run.run_id.slice(0, 8))
    );
    const status = run.status.toLowerCase();
    cell.appendChild(
      h('span', `nbops-status nbops-status-${status}`, run.status)
    );
    row.insertCell().textContent = formatTime(run.start_time);
    row.insertCell().textContent = formatDuration(run.duration_ms);
    for (const name of metrics) {
      const value = run.metrics[name];
      row.insertCell().textContent =
        value === undefined ? '' : formatValue(value);
    }
  }
  return table;
}
