import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';

import { RunsModel } from '../model';
import { IRunNode, RunKind } from '../runTree';
import { CommandIDs, IRun } from '../tokens';
import { formatDuration, formatTime, formatValue, h, message } from './dom';

const METRICS_SHOWN = 2; // what fits the sidebar's default width

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

/** The chosen metrics, else those most runs logged (then by name): what fits the sidebar. */
function metricNames(ctx: ISectionContext, runs: IRun[]): string[] {
  if (ctx.metrics.length) {
    return ctx.metrics;
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

/**
 * The runs table, narrow enough for the sidebar. Each run takes two lines: its name with
 * select box, status and kind across the whole width, then its start time under the Run
 * column and its values under the metric columns. Runs of a sweep or pipeline nest under
 * their parent, which expands and collapses.
 */
function runsTable(ctx: ISectionContext, runs: IRun[]): HTMLTableElement {
  const model = ctx.model;
  const trans = ctx.trans;
  const metrics = metricNames(ctx, runs);
  const table = h('table', 'nbops-runs');
  const widths = table.appendChild(h('colgroup', ''));
  widths.appendChild(h('col', 'nbops-col-run'));
  metrics.forEach(() => widths.appendChild(h('col', 'nbops-col-metric')));
  const head = table.createTHead().insertRow();
  const columns: [string, string][] = [
    [trans.__('Run'), 'start_time'],
    ...metrics.map(m => [m, `metrics.${m}`] as [string, string])
  ];
  for (const [label, key] of columns) {
    const metric = key !== 'start_time';
    const th = h('th', `nbops-sortable${metric ? ' nbops-metric' : ''}`, label);
    th.title =
      key === 'start_time'
        ? trans.__('Sort by start time')
        : trans.__('Sort by %1', label);
    if (model.sort.key === key) {
      th.textContent = `${label} ${model.sort.descending ? '▼' : '▲'}`;
      th.classList.add('nbops-mod-sorted');
    }
    th.onclick = () => void model.setSort(key);
    head.appendChild(th);
  }
  const addRuns = (nodes: IRunNode[], depth: number) => {
    for (const node of nodes) {
      const body = table.appendChild(h('tbody', 'nbops-run-lines'));
      body.append(...runRows(ctx, node, depth, metrics));
      if (node.children.length && model.isExpanded(node.run.run_id)) {
        addRuns(node.children, depth + 1);
      }
    }
  };
  addRuns(model.tree, 0);
  return table;
}

/** One run's two lines: select box, expander, status, name, kind; then start and metrics. */
function runRows(
  ctx: ISectionContext,
  node: IRunNode,
  depth: number,
  metrics: string[]
): HTMLTableRowElement[] {
  const { model, trans } = ctx;
  const run = node.run;
  const selected = model.selected.includes(run.run_id);
  const row = h('tr', 'nbops-run');
  const values = h('tr', 'nbops-run-values');
  for (const tr of [row, values]) {
    tr.classList.toggle('nbops-mod-selected', selected);
    tr.classList.toggle('nbops-mod-nested', depth > 0);
    tr.classList.toggle('nbops-mod-foreign', !node.own);
    tr.dataset.runId = run.run_id;
  }
  row.dataset.kind = node.kind;
  row.title = trans.__(
    '%1 · %2 · started %3 · %4',
    run.run_id,
    run.experiment,
    formatTime(run.start_time),
    formatDuration(run.duration_ms)
  );
  const cell = row.insertCell();
  cell.colSpan = 1 + metrics.length;
  const line = cell.appendChild(h('div', 'nbops-run-line'));
  line.style.paddingLeft = `${depth * 14}px`;
  const pick = h('input', 'nbops-select');
  pick.type = 'checkbox';
  pick.checked = selected;
  pick.setAttribute('aria-label', trans.__('Select %1', run.name));
  pick.onchange = () => void model.toggle(run.run_id);
  line.appendChild(pick);
  if (node.children.length) {
    const open = model.isExpanded(run.run_id);
    const caret = h('button', 'nbops-expand', open ? '▾' : '▸');
    caret.setAttribute('aria-expanded', String(open));
    caret.setAttribute(
      'aria-label',
      open
        ? trans.__('Hide the %1 runs of %2', node.children.length, run.name)
        : trans.__('Show the %1 runs of %2', node.children.length, run.name)
    );
    caret.onclick = () => model.toggleExpanded(run.run_id);
    line.appendChild(caret);
  }
  const status = run.status.toLowerCase();
  const dot = line.appendChild(h('span', `nbops-dot nbops-status-${status}`));
  dot.setAttribute('role', 'img');
  dot.setAttribute('aria-label', run.status);
  dot.title = run.status;
  line.appendChild(
    h('span', 'nbops-run-name', run.name || run.run_id.slice(0, 8))
  );
  const badge = h(
    'span',
    `nbops-badge nbops-kind-${node.kind}`,
    kindLabel(trans, node.kind)
  );
  if (node.children.length) {
    badge.textContent += ` ${node.children.length}`;
  }
  line.appendChild(badge);
  const meta = values.insertCell();
  meta.className = 'nbops-run-meta';
  meta.style.paddingLeft = `${depth * 14 + 24}px`;
  meta.textContent = formatTime(run.start_time);
  for (const name of metrics) {
    const value = run.metrics[name];
    const td = values.insertCell();
    td.className = 'nbops-metric';
    td.textContent = value === undefined ? '' : formatValue(value);
  }
  return [row, values];
}

/** The badge of a kind of run, translated. */
function kindLabel(trans: TranslationBundle, kind: RunKind): string {
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
