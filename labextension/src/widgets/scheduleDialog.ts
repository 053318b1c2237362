import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IScheduleRequest } from '../schedulesModel';
import { ISchedule } from '../tokens';
import { h, labelled } from './dom';

/**
 * The body of the "Schedule…" dialog: where (Airflow's dags folder, the crontab; a target the
 * server does not offer is disabled, saying why) and when (a cron expression); and the server's
 * message when an attempt was refused.
 */
export class ScheduleForm extends Widget {
  constructor(
    values: IScheduleRequest,
    where: { dagsFolder: string | null; cron: boolean },
    error: string,
    translator: ITranslator = nullTranslator
  ) {
    super({ node: h('form', 'nbops-run-form nbops-schedule-form') });
    const trans = translator.load('nbops');
    this._path = values.path;
    if (error) {
      this.node.appendChild(h('p', 'nbops-form-error', error));
    }
    this._to = h('select', 'jp-mod-styled nbops-field-input');
    this._to.name = 'to';
    const airflow = h(
      'option',
      '',
      where.dagsFolder
        ? trans.__('Airflow: a DAG file in %1', where.dagsFolder)
        : trans.__('Airflow (no dags folder configured)')
    );
    airflow.value = 'airflow';
    airflow.disabled = !where.dagsFolder;
    const cron = h(
      'option',
      '',
      where.cron
        ? trans.__('cron: a line in your crontab')
        : trans.__('cron (not managed by this server)')
    );
    cron.value = 'cron';
    cron.disabled = !where.cron;
    this._to.append(airflow, cron);
    this._to.value =
      values.to === 'airflow' && where.dagsFolder
        ? 'airflow'
        : where.cron
          ? 'cron'
          : 'airflow';
    this.node.appendChild(labelled(trans.__('Scheduler'), this._to));
    this._cron = h('input', 'jp-mod-styled nbops-field-input');
    this._cron.name = 'cron';
    this._cron.value = values.cron;
    this._cron.placeholder = '0 3 * * *';
    this.node.appendChild(
      labelled(
        trans.__('When (cron)'),
        this._cron,
        trans.__(
          'minute hour day-of-month month day-of-week, e.g. 0 3 * * 1-5, or @daily'
        )
      )
    );
  }

  /** The values typed. */
  getValue(): IScheduleRequest {
    return {
      path: this._path,
      cron: this._cron.value.trim(),
      to: this._to.value as 'airflow' | 'cron'
    };
  }

  private _path: string;
  private _to: HTMLSelectElement;
  private _cron: HTMLInputElement;
}

/** What installing `shown` will do, to confirm: the crontab line, or the DAG file written. */
export function confirmationBody(
  shown: ISchedule,
  translator: ITranslator = nullTranslator
): Widget {
  const trans = translator.load('nbops');
  const node = h('div', 'nbops-schedule-confirm');
  if (shown.target === 'cron') {
    node.appendChild(
      h(
        'p',
        '',
        trans.__(
          'This line goes into your crontab (replacing the one nbops installed for this pipeline):'
        )
      )
    );
    node.appendChild(h('pre', 'nbops-schedule-line', shown.line));
  } else {
    node.appendChild(
      h(
        'p',
        '',
        trans.__('Airflow will read the DAG %1 from %2.', shown.id, shown.where)
      )
    );
  }
  if (shown.next_runs.length > 0) {
    node.appendChild(
      h(
        'p',
        'nbops-schedule-next',
        trans.__('First run: %1', new Date(shown.next_runs[0]).toLocaleString())
      )
    );
  }
  return new Widget({ node });
}
