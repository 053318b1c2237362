import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import {
  ReactWidget,
  refreshIcon,
  ToolbarButton
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { Panel, Widget } from '@lumino/widgets';
import * as React from 'react';

import { RunsModel } from '../model';
import { Message, Section } from '../sections/parts';
import {
  ISectionContext,
  ISidebarSection,
  SectionRegistry
} from '../sections/registry';
import { h } from './dom';

/**
 * The left-sidebar panel: the registry's sections (Runs, Data, Environment, Steps, Production
 * and any a plugin adds) for the notebook in focus. A header with the refresh button above a
 * React body that re-renders (keeping focus and scroll) whenever the model or the registry
 * changes. Owns no state but which sections are closed.
 */
export class RunsPanel extends Panel {
  constructor(
    model: RunsModel,
    commands: CommandRegistry,
    sections: SectionRegistry,
    translator: ITranslator = nullTranslator,
    rendermime: IRenderMimeRegistry | null = null
  ) {
    super();
    const trans = translator.load('nbops');
    this.id = 'nbops-panel';
    this.addClass('nbops-panel');
    this.title.caption = trans.__('nbops: runs of this notebook');
    const header = new Widget({ node: h('div', 'nbops-header') });
    header.node.appendChild(h('h2', 'nbops-title', 'nbops'));
    header.node.appendChild(h('span', 'nbops-spinner'));
    const refresh = new ToolbarButton({
      icon: refreshIcon,
      tooltip: trans.__('Refresh'),
      onClick: () => void model.refresh()
    });
    refresh.addClass('nbops-refresh');
    header.node.appendChild(refresh.node);
    this.addWidget(header);
    this._body = new SidebarBody(
      model,
      commands,
      sections,
      translator,
      rendermime
    );
    this.addWidget(this._body);
    model.changed.connect(() => {
      this.toggleClass('nbops-mod-loading', model.state === 'loading');
      this._body.update();
    });
    // each section's own model redraws the sidebar (connecting twice is a no-op in Lumino)
    const watch = () => {
      sections.models.forEach(part => part.changed.connect(this._redraw, this));
      this._body.update();
    };
    sections.changed.connect(watch);
    watch();
    this._body.onSectionsChanged = () => this.onSectionsChanged();
  }

  /** Metric names shown as columns (from the settings; else those most runs logged). */
  set metrics(names: string[]) {
    this._body.metrics = names;
    this._body.update();
  }

  /** Which sections are closed (saved with the layout: a section added later starts open). */
  get closedSections(): string[] {
    return [...this._body.closed];
  }

  set closedSections(ids: string[]) {
    this._body.closed = new Set(ids);
    this._body.update();
  }

  /** Called when a section opens or closes. */
  onSectionsChanged: () => void = () => undefined;

  private _redraw(): void {
    this._body.update();
  }

  private _body: SidebarBody;
}

/** The sidebar's content, rendered by React from the model. */
class SidebarBody extends ReactWidget {
  constructor(
    private readonly _model: RunsModel,
    private readonly _commands: CommandRegistry,
    private readonly _registry: SectionRegistry,
    translator: ITranslator,
    private readonly _rendermime: IRenderMimeRegistry | null = null
  ) {
    super();
    this._trans = translator.load('nbops');
    this.addClass('nbops-body');
  }

  metrics: string[] = [];
  closed = new Set<string>();
  onSectionsChanged: () => void = () => undefined;

  protected render(): JSX.Element {
    const model = this._model;
    return (
      <>
        {model.notebook && (
          <div className="nbops-notebook">{model.notebook}</div>
        )}
        {model.hasContent ? (
          this._sections()
        ) : (
          <>
            {this._state()}
            {model.state !== 'no-server' &&
              this._sectionList(this._registry.sections.filter(s => s.global))}
          </>
        )}
      </>
    );
  }

  private _state(): JSX.Element {
    const { _model: model, _trans: trans } = this;
    switch (model.state) {
      case 'no-notebook':
        return (
          <Message>{trans.__('Open a notebook to see its runs.')}</Message>
        );
      case 'loading':
        return <Message>{trans.__('Loading runs…')}</Message>;
      case 'no-server':
        return (
          <Message error>
            {trans.__(
              'The nbops server extension is not running. Enable it with `jupyter server extension enable nbops` and restart JupyterLab.'
            )}
          </Message>
        );
      default:
        return (
          <>
            <Message error>{model.error}</Message>
            <Message>
              {trans.__(
                'Check the tracking store with `nbops status` in a terminal, then refresh.'
              )}
            </Message>
          </>
        );
    }
  }

  private _sections(): JSX.Element {
    const { _model: model, _trans: trans } = this;
    return (
      <>
        {model.config && (
          <div className="nbops-store">
            {trans.__('Store: %1', model.config.tracking_uri)}
          </div>
        )}
        {model.notice && (
          <div className="nbops-notice" role="alert">
            <span>{model.notice}</span>
            <button
              className="jp-mod-styled nbops-dismiss"
              aria-label={trans.__('Dismiss')}
              onClick={() => model.dismissNotice()}
            >
              ×
            </button>
          </div>
        )}
        {this._sectionList(this._registry.sections)}
      </>
    );
  }

  /** The sections given, each collapsible, their open state kept. */
  private _sectionList(sections: ISidebarSection[]): JSX.Element {
    const { _model: model, _trans: trans } = this;
    const ctx: ISectionContext = {
      model,
      commands: this._commands,
      trans,
      metrics: this.metrics,
      rendermime: this._rendermime
    };
    const toggle = (id: string, open: boolean) => {
      if (open !== this.closed.has(id)) {
        return;
      }
      if (open) {
        this.closed.delete(id);
      } else {
        this.closed.add(id);
      }
      this.onSectionsChanged();
    };
    return (
      <>
        {sections.map(section => (
          <Section
            key={section.id}
            id={section.id}
            title={section.title(trans)}
            open={!this.closed.has(section.id)}
            onToggle={toggle}
          >
            {section.render(ctx)}
          </Section>
        ))}
      </>
    );
  }

  private _trans: ReturnType<ITranslator['load']>;
}
