import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { refreshIcon, ToolbarButton } from '@jupyterlab/ui-components';
import { Panel, Widget } from '@lumino/widgets';

import { RunsModel } from '../model';
import { IRun } from '../tokens';

const METRICS_SHOWN = 3;

function formatTime(ms: number | null): string {
  if (!ms) {
    return '';
  }
  const date = new Date(ms);
  const today = new Date().toDateString() === date.toDateString();
  return today ? date.toLocaleTimeString() : date.toLocaleString();
}

function formatDuration(ms: number | null): string {
  if (ms === null) {
    return '…';
  }
  return ms < 60000
    ? `${(ms / 1000).toFixed(1)} s`
    : `${(ms / 60000).toFixed(1)} min`;
}

function formatMetric(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

/** Create an element with a class and optional text. */
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text = ''
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

/**
 * The left-sidebar panel: the runs of the notebook in focus. Renders the model; owns no state.
 */
export class RunsPanel extends Panel {
  constructor(
    private readonly _model: RunsModel,
    translator: ITranslator = nullTranslator
  ) {
    super();
    this._trans = translator.load('nbops');
    this.id = 'nbops-panel';
    this.addClass('nbops-panel');
    this.title.caption = this._trans.__('nbops: runs of this notebook');

    const header = new Widget({ node: h('div', 'nbops-header') });
    header.node.appendChild(h('h2', 'nbops-title', 'nbops'));
    const refresh = new ToolbarButton({
      icon: refreshIcon,
      tooltip: this._trans.__('Refresh the runs'),
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
    if (model.runs.length === 0) {
      body.appendChild(
        h(
          'p',
          'nbops-message',
          trans.__(
            'No runs yet. Run `%load_ext nbops` and log a metric in this notebook to record one.'
          )
        )
      );
      return;
    }
    body.appendChild(this._table(model.runs));
  }

  private _table(runs: IRun[]): HTMLTableElement {
    const trans = this._trans;
    const table = h('table', 'nbops-runs');
    const head = table.createTHead().insertRow();
    for (const label of [
      trans.__('Run'),
      trans.__('Duration'),
      trans.__('Metrics')
    ]) {
      head.appendChild(h('th', '', label));
    }
    const tbody = table.createTBody();
    for (const run of runs) {
      const row = tbody.insertRow();
      row.className = 'nbops-run';
      row.dataset.runId = run.run_id;
      row.title = `${run.run_id}\n${trans.__('Started %1', formatTime(run.start_time))}`;
      const cell = row.insertCell();
      cell.appendChild(
        h('div', 'nbops-run-name', run.name || run.run_id.slice(0, 8))
      );
      const meta = h('div', 'nbops-run-meta');
      const status = run.status.toLowerCase();
      meta.appendChild(
        h('span', `nbops-status nbops-status-${status}`, run.status)
      );
      meta.appendChild(
        h('span', 'nbops-run-start', formatTime(run.start_time))
      );
      cell.appendChild(meta);
      row.insertCell().textContent = formatDuration(run.duration_ms);
      row.insertCell().textContent = Object.entries(run.metrics)
        .sort(([a], [b]) => a.localeCompare(b))
        .slice(0, METRICS_SHOWN)
        .map(([key, value]) => `${key}=${formatMetric(value)}`)
        .join(', ');
    }
    return table;
  }

  private _body: Widget;
  private _trans: ReturnType<ITranslator['load']>;
}
