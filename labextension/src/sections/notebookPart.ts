import { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage } from '../notify';

/**
 * What a section shows of the notebook in focus, in its own model: loaded by the sidebar with
 * the notebook's runs (a new notebook, a refresh), redrawn when it changes.
 */
export interface INotebookPart {
  /** Emitted when what the part holds changed. */
  readonly changed: ISignal<unknown, void>;
  /**
   * Load what the part shows of `notebook` (null: none, it forgets). Never throws: a failure is
   * kept as the part's `error`, shown in its section while the other sections still show.
   */
  load(notebook: string | null): Promise<void>;
}

/**
 * A part that asks the server once per load: subclasses say what to fetch and what to forget.
 * An older answer never replaces a newer one; a new notebook forgets the old one's content.
 */
export abstract class NotebookPart implements INotebookPart {
  constructor(protected readonly settings?: ServerConnection.ISettings) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The notebook the part shows. */
  get notebook(): string | null {
    return this._notebook;
  }

  /** Why the last load (or an action of the part) failed; '' when it did not. */
  get error(): string {
    return this._error;
  }

  async load(notebook: string | null): Promise<void> {
    const request = ++this._request;
    if (notebook !== this._notebook) {
      this._notebook = notebook;
      this.forget();
    }
    if (notebook !== null) {
      try {
        const apply = await this.fetch(notebook);
        if (request === this._request) {
          apply();
          this._error = '';
        }
      } catch (error) {
        if (request === this._request) {
          this._error = errorMessage(error);
        }
      }
    } else {
      this._error = '';
    }
    this._changed.emit();
  }

  /** Ask the server for `notebook`'s content; resolve to what puts it in place. */
  protected abstract fetch(notebook: string): Promise<() => void>;

  /** Drop what the part holds (another notebook is followed). */
  protected abstract forget(): void;

  /** Keep why an action of the part failed and redraw. */
  protected fail(error: unknown): void {
    this._error = errorMessage(error);
    this._changed.emit();
  }

  /** Redraw after a change made by an action of the part. */
  protected emit(): void {
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _notebook: string | null = null;
  private _error = '';
  private _request = 0;
}
