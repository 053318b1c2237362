import { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import { NbopsAPIError, requestAPI } from './api';
import { IDescribeConfig, IListRunsResponse, IRun } from './tokens';

/** What the runs list is doing. */
export type RunsState =
  'no-notebook' | 'loading' | 'ready' | 'error' | 'no-server';

const RUNS_LIMIT = 50;

/**
 * The runs of the notebook in focus: owns state and talks to the server; widgets only render it.
 */
export class RunsModel {
  constructor(private readonly _settings: ServerConnection.ISettings) {}

  /** Emitted whenever anything the panel shows has changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get state(): RunsState {
    return this._state;
  }

  get notebook(): string | null {
    return this._notebook;
  }

  get runs(): IRun[] {
    return this._runs;
  }

  get error(): string {
    return this._error;
  }

  get config(): IDescribeConfig | null {
    return this._config;
  }

  /** Follow another notebook (or none) and load its runs. */
  async setNotebook(path: string | null): Promise<void> {
    if (path === this._notebook && this._state !== 'error') {
      return;
    }
    this._notebook = path;
    this._runs = [];
    await this.refresh();
  }

  /** Load the runs of the current notebook again; older answers never overwrite newer ones. */
  async refresh(): Promise<void> {
    const request = ++this._request;
    const notebook = this._notebook;
    if (notebook === null) {
      this._set('no-notebook');
      return;
    }
    this._set('loading');
    try {
      const [config, answer] = await Promise.all([
        requestAPI<IDescribeConfig>('config', { notebook }, {}, this._settings),
        requestAPI<IListRunsResponse>(
          'runs',
          { notebook, limit: RUNS_LIMIT },
          {},
          this._settings
        )
      ]);
      if (request === this._request) {
        this._config = config;
        this._runs = answer.runs;
        this._set('ready');
      }
    } catch (error) {
      if (request === this._request) {
        const missing = error instanceof NbopsAPIError && error.status === 404;
        this._error = (error as Error).message;
        this._set(missing ? 'no-server' : 'error');
      }
    }
  }

  private _set(state: RunsState): void {
    this._state = state;
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _state: RunsState = 'no-notebook';
  private _notebook: string | null = null;
  private _runs: IRun[] = [];
  private _error = '';
  private _config: IDescribeConfig | null = null;
  private _request = 0;
}
