import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { refreshIcon, ToolbarButton } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { Panel, Widget } from '@lumino/widgets';

import { RunsModel } from '../model';
import { CommandIDs, IRun } from '../tokens';
import { formatDuration, formatTime, formatValue, h, section } from './dom';

const METRICS_SHOWN = 3;
const ENVIRONMENT_KEYS = [
  'python',
  'os',
  'machine',
  'cpu_count',
  'memory_bytes',
  'gpus',
  'conda_env',
  'git_commit',
  'git_branch',
  'git_dirty',
  'package_count',
  'code_hash'
];

/**
 * The left-sidebar panel: Runs, Data, Environment and Steps of the notebook in focus.
 * Renders the model; owns no state but which sections are open.
 */
export class RunsPanel extends Panel {
  constructor(
    private readonly _model: RunsModel,
    private readonly _commands: CommandRegistry,
    translator: ITranslator = nullTranslator
  ) {
    super();
    this._trans = translator.load('nbops');
    this.id = 'nbops-panel';
    this.addClass('nbops-panel');
    this.title.caption = this._trans.__('nbops: runs of this notebook');

    const header = new Widget({ node: h('div', 'nbops-header') });
    header.node.appendChild(h('h2', 'nbops-title', 'nbops'));
    header.node.appendChild(h('span', 'nbops-spinner'));
    const refresh = new ToolbarButton({
      icon: refreshIcon,
      tooltip: this._trans.__('Refresh'),
      onClick: () => void this._model.refresh()
    });
    refresh.addClass('nbops-refresh');
    this.addWidget(header);
    header.node.appendChild(refresh.node);
    this._body = new Widget({ node: h('div', 'nbops-body') });
    this.addWidget(this._body);
    this._model.changed.connect(this._render, this);
    this._render();
  }

  /** Metric names shown as columns (from the settings; else the first few found). */
  set metrics(names: string[]) {
    this._metrics = names;
    this._render();
  }

  /** Which sections are open (saved with the layout). */
  get openSections(): string[] {
    return [...this._open];
  }

  set openSections(keys: string[]) {
    this._open = new Set(keys);
    this._render();
  }

  /** Emitted-by-callback when a section opens or closes. */
  onSectionsChanged: () => void = () => undefined;

  private _render(): void {
    const model = this._model;
    const body = this._body.node;
    const trans = this._trans;
    this.node.classList.toggle('nbops-mod-loading', model.state === 'loading');
    if (model.state === 'loading' && body.childElementCount > 0) {
      return; // keep the previous content while loading: no flicker
    }
    body.replaceChildren();
    if (model.notebook) {
      body.appendChild(h('div', 'nbops-notebook', model.notebook));
    }
    switch (model.state) {
      case 'no-notebook':
        body.appendChild(
          h('p', 'nbops-message', trans.__('Open a notebook to see its runs.'))
        );
        return;
      case 'loading':
        body.appendChild(h('p', 'nbops-message', trans.__('Loading runs…')));
        return;
      case 'no-server':
        body.appendChild(
          h(
            'p',
            'nbops-message nbops-mod-error',
            trans.__(
              'The nbops server extension is not running. Enable it with `jupyter server extension enable nbops` and restart JupyterLab.'
            )
          )
        );
        return;
      case 'error':
        body.appendChild(h('p', 'nbops-message nbops-mod-error', model.error));
        body.appendChild(
          h(
            'p',
            'nbops-message',
            trans.__(
              'Check the tracking store with `nbops status` in a terminal, then refresh.'
            )
          )
        );
        return;
    }
    if (model.config) {
      body.appendChild(
        h(
          'div',
          'nbops-store',
          trans.__('Store: %1', model.config.tracking_uri)
        )
      );
    }
    const toggled = () => this.onSectionsChanged();
    const runs = section(trans.__('Runs'), this._open, 'runs', toggled);
    runs.appendChild(this._runs());
    const data = section(trans.__('Data'), this._open, 'data', toggled);
    data.appendChild(this._data());
    const env = section(trans.__('Environment'), this._open, 'env', toggled);
    env.appendChild(this._environment());
    const steps = section(trans.__('Steps'), this._open, 'steps', toggled);
    steps.appendChild(this._steps());
    body.append(runs, data, env, steps);
  }

  private _runs(): HTMLElement {
    const model = this._model;
    const trans = this._trans;
    const box = h('div', 'nbops-runs-box');
    if (model.runs.length === 0) {
      box.appendChild(
        h(
          'p',
          'nbops-message',
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
    compare.onclick = () => void this._commands.execute(CommandIDs.compare);
    const report = h(
      'button',
      'jp-mod-styled nbops-report',
      trans.__('Report')
    );
    report.disabled = model.selected.length !== 1;
    report.onclick = () =>
      void this._commands.execute(CommandIDs.openReport, {
        runId: model.selected[0]
      });
    actions.append(compare, report);
    box.appendChild(actions);
    box.appendChild(this._table(model.runs));
    if (model.hasMore) {
      const more = h(
        'button',
        'jp-mod-styled nbops-more',
        trans.__('More runs')
      );
      more.onclick = () => void model.loadMore();
      box.appendChild(more);
    }
    return box;
  }

  private _metricNames(runs: IRun[]): string[] {
    if (this._metrics.length) {
      return this._metrics;
    }
    const names = new Set<string>();
    for (const run of runs) {
      Object.keys(run.metrics).forEach(name => names.add(name));
    }
    return [...names].sort().slice(0, METRICS_SHOWN);
  }

  private _table(runs: IRun[]): HTMLTableElement {
    const model = this._model;
    const trans = this._trans;
    const metrics = this._metricNames(runs);
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

  private _data(): HTMLElement {
    const model = this._model;
    const trans = this._trans;
    const box = h('div', 'nbops-data');
    if (model.snapshots.length === 0) {
      box.appendChild(
        h(
          'p',
          'nbops-message',
          trans.__('No snapshots yet: nbops.snapshot(df, "name") takes one.')
        )
      );
      return box;
    }
    const list = h('ul', 'nbops-snapshots');
    for (const snap of model.snapshots) {
      const item = h('li', 'nbops-snapshot');
      item.dataset.snapshotId = snap.id;
      const line = h('button', 'nbops-snapshot-line');
      line.append(
        h('span', 'nbops-snapshot-name', snap.name),
        h('span', 'nbops-snapshot-shape', `${snap.rows} × ${snap.columns}`),
        h('span', 'nbops-snapshot-role', snap.role),
        h('code', 'nbops-snapshot-id', snap.id.slice(0, 12))
      );
      line.title = trans.__('Fingerprint %1, %2', snap.id, snap.created);
      line.onclick = () => void model.expandSnapshot(snap.id);
      item.appendChild(line);
      if (model.snapshot?.id === snap.id) {
        item.appendChild(this._profile());
      }
      list.appendChild(item);
    }
    box.appendChild(list);
    return box;
  }

  private _profile(): HTMLElement {
    const profile = this._model.snapshot!.profile;
    const table = h('table', 'nbops-profile');
    const head = table.createTHead().insertRow();
    for (const label of ['column', 'dtype', 'nulls', 'min', 'mean', 'max']) {
      head.appendChild(h('th', '', this._trans.__(label)));
    }
    for (const [name, column] of Object.entries(profile.columns)) {
      const row = table.insertRow();
      for (const value of [
        name,
        column.dtype,
        column.nulls,
        column.min,
        column.mean,
        column.max
      ]) {
        row.insertCell().textContent = formatValue(value);
      }
    }
    return table;
  }

  private _environment(): HTMLElement {
    const detail = this._model.detail;
    const box = h('div', 'nbops-environment');
    if (!detail || !detail.environment) {
      box.appendChild(
        h(
          'p',
          'nbops-message',
          this._trans.__('Select a run to see the environment it ran in.')
        )
      );
      return box;
    }
    box.appendChild(
      h('div', 'nbops-environment-run', detail.name || detail.run_id)
    );
    const list = h('dl', 'nbops-kv');
    for (const key of ENVIRONMENT_KEYS) {
      const value = detail.environment[key];
      if (value === undefined || value === null || value === '') {
        continue;
      }
      list.appendChild(h('dt', '', key));
      list.appendChild(
        h(
          'dd',
          '',
          typeof value === 'object' ? JSON.stringify(value) : String(value)
        )
      );
    }
    box.appendChild(list);
    return box;
  }

  private _steps(): HTMLElement {
    const model = this._model;
    const trans = this._trans;
    const box = h('div', 'nbops-steps');
    const exportButton = h(
      'button',
      'jp-mod-styled nbops-export',
      trans.__('Export as step')
    );
    exportButton.onclick = () =>
      void this._commands.execute(CommandIDs.exportStep);
    box.appendChild(exportButton);
    if (model.steps.length === 0) {
      box.appendChild(
        h(
          'p',
          'nbops-message',
          trans.__('No exported versions of this notebook.')
        )
      );
      return box;
    }
    const list = h('ul', 'nbops-step-list');
    for (const step of model.steps) {
      const item = h('li', 'nbops-step');
      item.append(
        h('span', 'nbops-step-name', `${step.name}@${step.version}`),
        h('span', 'nbops-step-time', step.exported_at)
      );
      const run = h('button', 'jp-mod-styled nbops-step-run', trans.__('Run…'));
      run.onclick = () =>
        void this._commands.execute(CommandIDs.runHeadless, {
          step: `${step.name}@${step.version}`
        });
      item.appendChild(run);
      list.appendChild(item);
    }
    box.appendChild(list);
    return box;
  }

  private _body: Widget;
  private _metrics: string[] = [];
  private _open = new Set(['runs', 'data', 'env', 'steps']);
  private _trans: ReturnType<ITranslator['load']>;
}
