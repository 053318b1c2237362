import { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import { NbopsAPIError, requestAPI } from './api';
import { buildTree, IRunNode } from './runTree';
import { INotebookPart } from './sections/notebookPart';
import {
  IDescribeConfig,
  IDescribeRun,
  IListRunsResponse,
  IRun
} from './tokens';

/** What the sidebar is doing. */
export type RunsState =
  'no-notebook' | 'loading' | 'ready' | 'error' | 'no-server';

/** How the runs table is sorted: by start time or by a metric. */
export interface ISort {
  key: string;
  descending: boolean;
}

/** What the sidebar remembers across reloads. */
export interface IModelState {
  sort: ISort;
  selected: string[];
  /** The parent runs whose nested runs are shown. */
  expanded?: string[];
}

export const PAGE_SIZE = 50;

/**
 * The nbops sidebar's state for the notebook in focus: its runs (paged, sorted, selected) and the
 * selected run's details. Which notebook is followed, and when it loads, is decided here: the
 * sections' own models (`parts`: snapshots, steps, the registry) load with the runs. Talks to
 * the server; widgets only render.
 */
export class RunsModel {
  /**
   * @param _settings - the server connection
   * @param _parts - the sections' own models, loaded with the runs (asked at each load: a
   *   plugin may add a section later)
   */
  constructor(
    private readonly _settings: ServerConnection.ISettings,
    private readonly _parts: () => INotebookPart[] = () => []
  ) {}

  /** Emitted whenever anything the sidebar shows has changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get state(): RunsState {
    return this._state;
  }

  get notebook(): string | null {
    return this._notebook;
  }

  /**
   * Whether what the model holds is the followed notebook's: once loaded, and while it reloads
   * (a refresh keeps showing the runs, without flicker), but not while another notebook loads.
   */
  get hasContent(): boolean {
    const loading = this._state === 'loading' || this._state === 'ready';
    return loading && this._loadedFor === this._notebook;
  }

  get runs(): IRun[] {
    return this._runs;
  }

  /** The runs nested under their sweep or pipeline parent, in the page's order. */
  get tree(): IRunNode[] {
    return buildTree(this._runs, [...this._parents.values()]);
  }

  /** Whether the group of `runId` (a parent) shows its runs. */
  isExpanded(runId: string): boolean {
    return this._expanded.has(runId);
  }

  /** Show or hide the runs nested under `runId`. */
  toggleExpanded(runId: string): void {
    if (this._expanded.has(runId)) {
      this._expanded.delete(runId);
    } else {
      this._expanded.add(runId);
    }
    this._changed.emit();
  }

  get hasMore(): boolean {
    return this._next !== null;
  }

  get error(): string {
    return this._error;
  }

  /** What last went wrong in a part of the sidebar (a run's details, more runs, a profile),
   * while the rest still shows: '' when nothing did. */
  get notice(): string {
    return this._notice;
  }

  /** Hide the notice. */
  dismissNotice(): void {
    this._notice = '';
    this._changed.emit();
  }

  get config(): IDescribeConfig | null {
    return this._config;
  }

  get sort(): ISort {
    return this._sort;
  }

  get selected(): string[] {
    return [...this._selected];
  }

  get detail(): IDescribeRun | null {
    return this._detail;
  }

  /** The state to save (sort order, selection). */
  toJSON(): IModelState {
    return {
      sort: this._sort,
      selected: this.selected,
      expanded: [...this._expanded]
    };
  }

  /** Put back a saved state. */
  restore(state: Partial<IModelState> | undefined): void {
    if (state?.sort) {
      this._sort = state.sort;
    }
    this._selected = new Set(state?.selected ?? []);
    this._expanded = new Set(state?.expanded ?? []);
    this._changed.emit();
  }

  /** Follow another notebook (or none) and load what it has. */
  async setNotebook(path: string | null): Promise<void> {
    if (path === this._notebook && this._state !== 'error') {
      return;
    }
    if (path !== this._notebook) {
      this._selected.clear();
      this._expanded.clear();
      this._detail = null;
    }
    this._notebook = path;
    await this.refresh();
  }

  /** Sort by `key` (`start_time` or `metrics.NAME`); the same key again flips the order. */
  async setSort(key: string): Promise<void> {
    this._sort =
      this._sort.key === key
        ? { key, descending: !this._sort.descending }
        : { key, descending: true };
    await this.refresh();
  }

  /** Select or unselect a run for comparison; a single selection also shows its environment. */
  async toggle(runId: string): Promise<void> {
    if (this._selected.has(runId)) {
      this._selected.delete(runId);
    } else {
      this._selected.add(runId);
    }
    this._changed.emit();
    if (this._selected.has(runId)) {
      await this.describe(runId);
    }
  }

  /** Load one run's details (environment, history). */
  async describe(runId: string): Promise<void> {
    try {
      this._detail = await requestAPI<IDescribeRun>(
        `runs/${runId}`,
        { notebook: this._notebook ?? '' },
        {},
        this._settings
      );
    } catch (error) {
      this._detail = null;
      this._notice = (error as Error).message;
    }
    this._changed.emit();
  }

  /** Describe the shown run again while it is RUNNING (its chart follows it); else nothing. */
  async followRunning(): Promise<void> {
    const detail = this._detail;
    if (
      detail?.status === 'RUNNING' &&
      this._selected.size === 1 &&
      this._selected.has(detail.run_id)
    ) {
      await this.describe(detail.run_id);
    }
  }

  /** Load the first page again, with the sections' models; older answers never win. */
  async refresh(): Promise<void> {
    const request = ++this._request;
    const notebook = this._notebook;
    if (notebook === null) {
      this._set('no-notebook');
      await Promise.all(this._parts().map(part => part.load(null)));
      return;
    }
    this._set('loading');
    try {
      const [config, page] = await Promise.all([
        requestAPI<IDescribeConfig>('config', { notebook }, {}, this._settings),
        this._page(notebook, null),
        Promise.all(this._parts().map(part => part.load(notebook)))
      ]);
      if (request === this._request) {
        this._config = config;
        this._runs = page.runs;
        this._parents = parentsOf(page);
        this._next = page.next_page_token;
        this._loadedFor = notebook;
        this._set('ready');
        void this.followRunning();
      }
    } catch (error) {
      if (request === this._request) {
        const missing = error instanceof NbopsAPIError && error.status === 404;
        this._error = (error as Error).message;
        this._set(missing ? 'no-server' : 'error');
      }
    }
  }

  /** Append the next page of runs. */
  async loadMore(): Promise<void> {
    if (this._notebook === null || this._next === null) {
      return;
    }
    let page: IListRunsResponse;
    try {
      page = await this._page(this._notebook, this._next);
    } catch (error) {
      this._notice = (error as Error).message;
      this._changed.emit();
      return;
    }
    this._runs = [...this._runs, ...page.runs];
    for (const [id, run] of parentsOf(page)) {
      this._parents.set(id, run);
    }
    this._next = page.next_page_token;
    this._changed.emit();
  }

  private _page(
    notebook: string,
    token: string | null
  ): Promise<IListRunsResponse> {
    return requestAPI<IListRunsResponse>(
      'runs',
      {
        notebook,
        limit: PAGE_SIZE,
        sort: this._sort.key,
        order: this._sort.descending ? 'desc' : 'asc',
        page_token: token ?? undefined
      },
      {},
      this._settings
    );
  }

  private _set(state: RunsState): void {
    this._state = state;
    if (state !== 'loading' && state !== 'ready') {
      this._loadedFor = null;
    }
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _state: RunsState = 'no-notebook';
  private _notebook: string | null = null;
  private _loadedFor: string | null = null;
  private _runs: IRun[] = [];
  private _parents = new Map<string, IRun>();
  private _expanded = new Set<string>();
  private _next: string | null = null;
  private _error = '';
  private _notice = '';
  private _config: IDescribeConfig | null = null;
  private _sort: ISort = { key: 'start_time', descending: true };
  private _selected = new Set<string>();
  private _detail: IDescribeRun | null = null;
  private _request = 0;
}

function parentsOf(page: IListRunsResponse): Map<string, IRun> {
  return new Map((page.parents ?? []).map(run => [run.run_id, run]));
}
