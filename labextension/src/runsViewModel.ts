import { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import { requestAPI } from './api';
import { ISort, PAGE_SIZE } from './model';
import { IListRunsResponse, IRun } from './tokens';

/**
 * The state of the main-area Runs view of one notebook: a page of its runs filtered with
 * MLflow's search syntax and sorted by start time, a metric or a parameter; the selection.
 */
export class RunsViewModel {
  constructor(
    readonly notebook: string,
    private readonly _settings: ServerConnection.ISettings
  ) {}

  /** Emitted whenever anything the view shows has changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get runs(): IRun[] {
    return this._runs;
  }

  get sort(): ISort {
    return this._sort;
  }

  /** The filter in force (MLflow's search syntax; '' for none). */
  get filter(): string {
    return this._filter;
  }

  /** Why the last request failed ('' when it did not). */
  get error(): string {
    return this._error;
  }

  get loading(): boolean {
    return this._loading;
  }

  get hasMore(): boolean {
    return this._next !== null;
  }

  get selected(): string[] {
    return [...this._selected];
  }

  /** Every metric name, then every parameter name, of the runs shown. */
  get columns(): { metrics: string[]; params: string[] } {
    const metrics = new Set<string>();
    const params = new Set<string>();
    for (const run of this._runs) {
      Object.keys(run.metrics).forEach(k => metrics.add(k));
      Object.keys(run.params).forEach(k => params.add(k));
    }
    return { metrics: [...metrics].sort(), params: [...params].sort() };
  }

  /** Sort by `key` (`start_time`, `metrics.NAME`, `params.NAME`); again flips the order. */
  async setSort(key: string): Promise<void> {
    this._sort =
      this._sort.key === key
        ? { key, descending: !this._sort.descending }
        : { key, descending: true };
    await this.load();
  }

  /** Show only the runs matching `filter`; a filter the server refuses keeps the runs shown. */
  async setFilter(filter: string): Promise<void> {
    const before = this._filter;
    this._filter = filter.trim();
    if (!(await this.load())) {
      this._filter = before;
    }
  }

  /** Select or unselect a run for comparison. */
  toggle(runId: string): void {
    if (!this._selected.delete(runId)) {
      this._selected.add(runId);
    }
    this._changed.emit();
  }

  /** Load the first page again; whether it loaded (else `error` says why). */
  async load(): Promise<boolean> {
    const request = ++this._request;
    this._loading = true;
    this._changed.emit();
    try {
      const page = await this._page(null);
      if (request === this._request) {
        this._runs = page.runs;
        this._next = page.next_page_token;
        this._error = '';
      }
      return true;
    } catch (error) {
      if (request === this._request) {
        this._error = (error as Error).message;
      }
      return false;
    } finally {
      if (request === this._request) {
        this._loading = false;
        this._changed.emit();
      }
    }
  }

  /** Append the next page. */
  async loadMore(): Promise<void> {
    if (this._next === null) {
      return;
    }
    try {
      const page = await this._page(this._next);
      this._runs = [...this._runs, ...page.runs];
      this._next = page.next_page_token;
    } catch (error) {
      this._error = (error as Error).message;
    }
    this._changed.emit();
  }

  private _page(token: string | null): Promise<IListRunsResponse> {
    return requestAPI<IListRunsResponse>(
      'runs',
      {
        notebook: this.notebook,
        limit: PAGE_SIZE,
        sort: this._sort.key,
        order: this._sort.descending ? 'desc' : 'asc',
        filter: this._filter,
        page_token: token ?? undefined
      },
      {},
      this._settings
    );
  }

  private _changed = new Signal<this, void>(this);
  private _runs: IRun[] = [];
  private _next: string | null = null;
  private _sort: ISort = { key: 'start_time', descending: true };
  private _filter = '';
  private _error = '';
  private _loading = false;
  private _selected = new Set<string>();
  private _request = 0;
}
