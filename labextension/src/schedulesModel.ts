import { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import { requestAPI } from './api';
import { errorMessage } from './notify';
import { IListSchedules, ISchedule } from './tokens';

/** What `POST schedules` takes (`CreateSchedule`). */
export interface IScheduleRequest {
  path: string;
  cron: string;
  to: 'airflow' | 'cron';
  dry_run?: boolean;
}

/**
 * The Schedules section's model: the schedules nbops installed (Airflow DAG files in the server's
 * dags folder, crontab lines), with their next and last runs; installing and removing one. They
 * are the server machine's, not the notebook's: the same whichever notebook is in focus.
 */
export class SchedulesModel {
  constructor(private readonly _settings?: ServerConnection.ISettings) {}

  /** Emitted after every load, install or removal. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** What the server answered last (null before the first answer). */
  get listing(): IListSchedules | null {
    return this._listing;
  }

  /** Why the last load failed ('' when it did not). */
  get error(): string {
    return this._error;
  }

  /** Whether a load is under way. */
  get loading(): boolean {
    return this._loading;
  }

  /** Ask the server again. */
  async load(): Promise<void> {
    this._loading = true;
    this._changed.emit();
    try {
      this._listing = await requestAPI<IListSchedules>(
        'schedules',
        {},
        {},
        this._settings
      );
      this._error = '';
    } catch (error) {
      this._error = errorMessage(error);
    }
    this._loading = false;
    this._changed.emit();
  }

  /** Install a schedule (or, with `dry_run`, say what would be installed). */
  async install(request: IScheduleRequest): Promise<ISchedule> {
    const done = await requestAPI<ISchedule>(
      'schedules',
      {},
      { method: 'POST', body: JSON.stringify(request) },
      this._settings
    );
    if (!request.dry_run) {
      await this.load();
    }
    return done;
  }

  /** Remove a schedule: its DAG file or its crontab line. */
  async remove(schedule: ISchedule): Promise<void> {
    await requestAPI(
      `schedules/${schedule.target}/${encodeURIComponent(schedule.id)}`,
      {},
      { method: 'DELETE' },
      this._settings
    );
    await this.load();
  }

  private _listing: IListSchedules | null = null;
  private _error = '';
  private _loading = false;
  private _changed = new Signal<this, void>(this);
}
