import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Token } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { RunsModel } from '../model';
import { INotebookPart } from './notebookPart';

/** What a sidebar section renders from: the model, the commands, the translator. */
export interface ISectionContext {
  model: RunsModel;
  commands: CommandRegistry;
  trans: TranslationBundle;
  /** Metric names shown as columns (from the settings; else those most runs logged). */
  metrics: string[];
  /** JupyterLab's renderers (charts are drawn by its Vega-Lite one); null without them. */
  rendermime: IRenderMimeRegistry | null;
}

/** A section of the nbops sidebar: a collapsible part rendered from the sidebar's model. */
export interface ISidebarSection {
  /** Unique; the section's class is `nbops-section-<id>` and its open state is kept by id. */
  id: string;
  /** Sections are shown by rank, lowest first. */
  rank: number;
  /** The title, translated. */
  title: (trans: TranslationBundle) => string;
  /** Shown even when no notebook is in focus: what it shows is not a notebook's. */
  global?: boolean;
  /**
   * The section's own model, if it has one: loaded with the notebook's runs (a new notebook, a
   * refresh), the section redrawn when it changes.
   */
  model?: INotebookPart;
  /** The section's content (a React element, re-rendered whenever a model changes). */
  render: (ctx: ISectionContext) => JSX.Element;
}

/**
 * The sidebar's sections, in rank order. nbops adds its own (Runs, Data, Environment, Steps,
 * Production); another plugin can add one through the `ISectionRegistry` token.
 */
export class SectionRegistry {
  /** Emitted when a section is added or removed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The sections, lowest rank first. */
  get sections(): ISidebarSection[] {
    return [...this._sections].sort((a, b) => a.rank - b.rank);
  }

  /** The sections' own models. */
  get models(): INotebookPart[] {
    const models: INotebookPart[] = [];
    this.sections.forEach(s => s.model && models.push(s.model));
    return models;
  }

  /** Add a section; dispose of the result to remove it. Throws on a repeated id. */
  add(section: ISidebarSection): IDisposable {
    if (this._sections.some(s => s.id === section.id)) {
      throw new Error(`A sidebar section with id '${section.id}' exists.`);
    }
    this._sections.push(section);
    this._changed.emit();
    let disposed = false;
    return {
      get isDisposed() {
        return disposed;
      },
      dispose: () => {
        if (!disposed) {
          disposed = true;
          this._sections = this._sections.filter(s => s !== section);
          this._changed.emit();
        }
      }
    };
  }

  private _sections: ISidebarSection[] = [];
  private _changed = new Signal<this, void>(this);
}

/** The token of the sidebar's section registry. */
export const ISectionRegistry = new Token<SectionRegistry>(
  'nbops:ISectionRegistry',
  'The sections of the nbops sidebar: add one to show it under the others.'
);
