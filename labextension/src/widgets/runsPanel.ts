import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { refreshIcon, ToolbarButton } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { Panel, Widget } from '@lumino/widgets';

import { RunsModel } from '../model';
import { renderData } from './dataSection';
import { h, section } from './dom';
import { renderEnvironment } from './environmentSection';
import { renderProduction } from './productionSection';
import { ISectionContext, renderRuns } from './runsSection';
import { renderSteps } from './stepsSection';

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
    const ctx: ISectionContext = {
      model,
      commands: this._commands,
      trans,
      metrics: this._metrics
    };
    const runs = section(trans.__('Runs'), this._open, 'runs', toggled);
    runs.appendChild(renderRuns(ctx));
    const data = section(trans.__('Data'), this._open, 'data', toggled);
    data.appendChild(renderData(ctx));
    const env = section(trans.__('Environment'), this._open, 'env', toggled);
    env.appendChild(renderEnvironment(ctx));
    const steps = section(trans.__('Steps'), this._open, 'steps', toggled);
    steps.appendChild(renderSteps(ctx));
    const production = section(
      trans.__('Production'),
      this._open,
      'production',
      toggled
    );
    production.appendChild(renderProduction(ctx));
    body.append(runs, data, env, steps, production);
  }

  private _body: Widget;
  private _metrics: string[] = [];
  private _open = new Set(['runs', 'data', 'env', 'steps', 'production']);
  private _trans: ReturnType<ITranslator['load']>;
}
