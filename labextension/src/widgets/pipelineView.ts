import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ServerConnection } from '@jupyterlab/services';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Panel, Widget } from '@lumino/widgets';

import { requestAPI } from '../api';
import { follow } from '../follower';
import { errorMessage, notifyError } from '../notify';
import { IDescribePipeline, IPipelineStep } from '../tokens';
import { formatDuration, h, labelled } from './dom';
import { mermaidWidget } from './lineageView';

/** Mermaid's fill per step status in the drawn DAG. */
const STATUS_FILL: Record<string, string> = {
  FINISHED: '#c8e6c9',
  CACHED: '#e0f2f1',
  FAILED: '#ffcdd2',
  KILLED: '#ffcdd2',
  RUNNING: '#bbdefb',
  SKIPPED: '#eeeeee'
};

/** The DAG's Mermaid text with each step filled by its status in the last run. */
export function coloured(found: IDescribePipeline): string {
  const styles = found.steps
    .filter(s => s.last && STATUS_FILL[s.last.status])
    .map(s => `    style ${s.name} fill:${STATUS_FILL[s.last!.status]}`);
  return [found.mermaid, ...styles].join('\n');
}

/** `step.name=value` lines as the POST's parameters; a line without `=` is refused. */
export function parseOverrides(text: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const line of text.split('\n').map(l => l.trim())) {
    if (!line) {
      continue;
    }
    const at = line.indexOf('=');
    if (at < 1) {
      throw new Error(`"${line}" is not STEP.NAME=VALUE.`);
    }
    found[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return found;
}

/** What the view's buttons do (JupyterLab's commands, in the lab). */
export interface IPipelineActions {
  /** Open the report of a step's run. */
  openReport: (runId: string) => void;
  /** Open the lineage around a snapshot (its id) or a run. */
  openLineage?: (reference: string) => void;
  /** Schedule this pipeline ("Schedule…"). */
  schedule?: () => void;
}

/**
 * A pipeline file in a main-area tab: its DAG drawn by JupyterLab's Mermaid renderer (each step
 * coloured by its status in the last run), a table of the steps (status, seconds, run, snapshots,
 * report), and a form that runs it (parameters, force). A running pipeline is followed with the
 * extension's poll until it ends; a file that does not validate shows why in place.
 */
export class PipelineView extends Panel {
  constructor(
    readonly path: string,
    private readonly _settings: ServerConnection.ISettings,
    private readonly _rendermime: IRenderMimeRegistry | null,
    private readonly _actions: IPipelineActions,
    translator: ITranslator = nullTranslator
  ) {
    super();
    this._trans = translator.load('nbops');
    this.addClass('nbops-pipeline-view');
  }

  /** What the view shows now (null until loaded, or when the file does not validate). */
  get pipeline(): IDescribePipeline | null {
    return this._found;
  }

  /** Ask the server again; follow the pipeline while it runs. */
  async load(): Promise<void> {
    let found: IDescribePipeline;
    try {
      found = await requestAPI<IDescribePipeline>(
        'pipeline',
        { path: this.path },
        {},
        this._settings
      );
    } catch (error) {
      this._showError(errorMessage(error));
      return;
    }
    this._show(found);
    if (running(found) && !this._following) {
      this._following = true;
      const { last } = await follow<IDescribePipeline>(
        'pipeline',
        found,
        running,
        this._settings,
        state => this._show(state),
        undefined,
        { path: this.path }
      );
      this._following = false;
      this._show(last);
    }
  }

  private _clear(): void {
    while (this.widgets.length) {
      this.widgets[0].dispose();
    }
  }

  private _showError(message: string): void {
    this._found = null;
    this._clear();
    const part = new Widget({ node: h('div', '') });
    part.node.appendChild(h('h2', '', this.path));
    part.node.appendChild(
      h('p', 'nbops-message nbops-mod-error nbops-pipeline-error', message)
    );
    this.addWidget(part);
  }

  private _show(found: IDescribePipeline): void {
    const trans = this._trans;
    this._found = found;
    this._clear();
    const head = new Widget({ node: h('div', 'nbops-pipeline-head') });
    head.node.appendChild(h('h2', '', trans.__('Pipeline %1', found.name)));
    const last = found.last_run;
    const line = head.node.appendChild(
      h(
        'p',
        'nbops-pipeline-last',
        last
          ? trans.__(
              'Last run %1: %2',
              last.run_id.slice(0, 8),
              last.status.toLowerCase()
            )
          : trans.__('Not run yet.')
      )
    );
    line.dataset.status = last?.status ?? '';
    head.node.appendChild(this._form(found));
    const scheduleIt = this._actions.schedule;
    if (scheduleIt) {
      const schedule = head.node.appendChild(
        h(
          'button',
          'jp-mod-styled nbops-pipeline-schedule',
          trans.__('Schedule…')
        )
      );
      schedule.onclick = () => scheduleIt();
    }
    this.addWidget(head);
    const graph = mermaidWidget(this._rendermime, coloured(found));
    if (graph) {
      graph.addClass('nbops-pipeline-graph');
      this.addWidget(graph);
    }
    const steps = new Widget({ node: this._table(found.steps) });
    this.addWidget(steps);
  }

  /** Parameters (`step.name=value` per line), force, and Run. */
  private _form(found: IDescribePipeline): HTMLFormElement {
    const trans = this._trans;
    const form = h('form', 'nbops-pipeline-run');
    const parameters = h('textarea', 'jp-mod-styled');
    parameters.rows = 2;
    parameters.placeholder = 'train.alpha=0.5';
    form.appendChild(
      labelled(
        trans.__('Parameters'),
        parameters,
        trans.__('One STEP.NAME=VALUE per line, as nbops pipeline run -p')
      )
    );
    const force = h('input', '');
    force.type = 'checkbox';
    form.appendChild(
      labelled(
        trans.__('Force'),
        force,
        trans.__('Run every step, cached or not')
      )
    );
    const executor = h('select', 'jp-mod-styled nbops-pipeline-executor');
    for (const name of found.executors ?? []) {
      const option = executor.appendChild(h('option', '', name));
      option.value = name;
    }
    executor.value = found.executor ?? '';
    form.appendChild(
      labelled(
        trans.__('Executor'),
        executor,
        trans.__('Where the steps run (nbops executors)')
      )
    );
    const button = form.appendChild(
      h('button', 'jp-mod-styled jp-mod-accept', trans.__('Run'))
    );
    button.disabled = running(found);
    form.onsubmit = async event => {
      event.preventDefault();
      try {
        await requestAPI(
          'pipeline',
          {},
          {
            method: 'POST',
            body: JSON.stringify({
              path: this.path,
              parameters: parseOverrides(parameters.value),
              force: force.checked,
              ...(executor.value ? { executor: executor.value } : {})
            })
          },
          this._settings
        );
      } catch (error) {
        notifyError(trans.__('Cannot run the pipeline'), error, trans);
        return;
      }
      await this.load();
    };
    return form;
  }

  /** One row per step, in the DAG's order. */
  private _table(steps: IPipelineStep[]): HTMLTableElement {
    const trans = this._trans;
    const table = h('table', 'nbops-compare nbops-pipeline-steps');
    const head = table.createTHead().insertRow();
    for (const title of [
      trans.__('step'),
      trans.__('status'),
      trans.__('seconds'),
      trans.__('reads → writes'),
      trans.__('run')
    ]) {
      head.appendChild(h('th', '', title));
    }
    const body = table.createTBody();
    for (const step of steps) {
      const row = body.insertRow();
      row.dataset.step = step.name;
      row.dataset.status = step.last?.status ?? '';
      row.appendChild(h('th', '', step.name)).title = step.target;
      const status = row.insertCell();
      status.className = 'nbops-pipeline-status';
      status.textContent = step.last?.status.toLowerCase() ?? '';
      if (step.last?.error) {
        status.title = step.last.error;
      }
      row.insertCell().textContent =
        step.last?.seconds !== null && step.last?.seconds !== undefined
          ? formatDuration(step.last.seconds * 1000)
          : '';
      const data = row.insertCell();
      data.className = 'nbops-pipeline-data';
      this._snapshots(data, step.inputs, step.last?.inputs ?? {});
      data.appendChild(document.createTextNode(' → '));
      this._snapshots(data, step.outputs, step.last?.outputs ?? {});
      const run = row.insertCell();
      const runId = step.last?.run_id;
      if (runId) {
        const open = run.appendChild(
          h('button', 'jp-mod-styled nbops-pipeline-report', runId.slice(0, 8))
        );
        open.title = trans.__('Open the report of run %1', runId);
        open.onclick = () => this._actions.openReport(runId);
      }
    }
    return table;
  }

  /** Snapshot names, each with the id the last run read or wrote (its lineage on a click). */
  private _snapshots(
    cell: HTMLElement,
    names: string[],
    ids: Record<string, string>
  ): void {
    if (names.length === 0) {
      cell.appendChild(document.createTextNode('–'));
    }
    names.forEach((name, index) => {
      if (index > 0) {
        cell.appendChild(document.createTextNode(', '));
      }
      const id = ids[name];
      const openLineage = this._actions.openLineage;
      if (!id || !openLineage) {
        cell.appendChild(h('span', 'nbops-pipeline-snapshot', name));
        return;
      }
      const link = cell.appendChild(
        h('button', 'nbops-link nbops-pipeline-snapshot', name)
      );
      link.appendChild(h('span', 'nbops-snapshot-id', ` ${id.slice(0, 8)}`));
      link.dataset.snapshotId = id;
      link.title = this._trans.__('%1 (%2): its lineage', name, id);
      link.onclick = () => openLineage(id);
    });
  }

  private _found: IDescribePipeline | null = null;
  private _following = false;
  private _trans;
}

/** Whether the pipeline's last run goes on (or this server is starting one). */
function running(found: IDescribePipeline): boolean {
  return found.running_here || found.last_run?.status === 'RUNNING';
}
