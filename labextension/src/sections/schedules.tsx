import * as React from 'react';

import { removeSchedule } from '../schedule';
import { SchedulesModel } from '../schedulesModel';
import { CommandIDs, ISchedule, IScheduledRun } from '../tokens';
import { formatTime } from '../widgets/dom';
import { Message } from './parts';
import { ISectionContext, ISidebarSection } from './registry';

/** The Schedules section (rank 600), drawn from its own model. */
export function schedulesSection(schedules: SchedulesModel): ISidebarSection {
  return {
    id: 'schedules',
    rank: 600,
    global: true,
    title: trans => trans.__('Schedules'),
    render: ctx => <SchedulesSection ctx={ctx} schedules={schedules} />
  };
}

/**
 * The Schedules section: each schedule nbops installed (an Airflow DAG file, a crontab line) with
 * its cron expression, its next run, and its last runs (status, Airflow's run id, a report per
 * step); its pipeline opens in the pipeline view; Remove removes its file or line. Loaded when
 * first shown, after every change, and on Refresh.
 */
export function SchedulesSection(props: {
  ctx: ISectionContext;
  schedules: SchedulesModel;
}): JSX.Element {
  const { ctx, schedules } = props;
  const { trans } = ctx;
  const [, redraw] = React.useReducer((n: number) => n + 1, 0);
  React.useEffect(() => {
    schedules.changed.connect(redraw);
    if (!schedules.listing && !schedules.loading) {
      void schedules.load();
    }
    return () => {
      schedules.changed.disconnect(redraw);
    };
  }, [schedules]);
  const listing = schedules.listing;
  return (
    <div className="nbops-schedules">
      <div className="nbops-actions">
        <button
          className="jp-mod-styled nbops-schedules-refresh"
          disabled={schedules.loading}
          onClick={() => void schedules.load()}
        >
          {trans.__('Refresh')}
        </button>
      </div>
      {schedules.error && (
        <Message error>
          {trans.__('Cannot list the schedules: %1', schedules.error)}
        </Message>
      )}
      {listing?.problems.map(problem => (
        <Message key={problem} error>
          {problem}
        </Message>
      ))}
      {listing && listing.schedules.length === 0 && (
        <Message>
          {trans.__(
            'No schedules: right-click a pipeline.yaml in the file browser and choose Schedule….'
          )}
        </Message>
      )}
      <ul className="nbops-schedule-list">
        {listing?.schedules.map(schedule => (
          <ScheduleItem
            key={`${schedule.target}/${schedule.id}`}
            schedule={schedule}
            ctx={ctx}
            onRemove={() => void removeSchedule({ schedules, trans }, schedule)}
          />
        ))}
      </ul>
      {listing && (
        <p className="nbops-message nbops-schedules-where">
          {listing.dags_folder
            ? trans.__('Airflow dags folder: %1', listing.dags_folder)
            : trans.__('No Airflow dags folder configured.')}
        </p>
      )}
    </div>
  );
}

/** One schedule: what, when, its pipeline, its last runs, Remove. */
function ScheduleItem(item: {
  schedule: ISchedule;
  ctx: ISectionContext;
  onRemove: () => void;
}): JSX.Element {
  const { trans, commands } = item.ctx;
  const s = item.schedule;
  const next = s.next_runs[0];
  return (
    <li
      className="nbops-schedule"
      data-schedule-id={s.id}
      data-target={s.target}
    >
      <div className="nbops-schedule-head">
        <span className="nbops-schedule-name">{s.id}</span>
        <span className="nbops-badge nbops-schedule-target">{s.target}</span>
        <code className="nbops-schedule-cron">{s.cron}</code>
        <button
          className="jp-mod-styled nbops-schedule-remove"
          title={
            s.target === 'cron'
              ? trans.__('Remove its line from the crontab')
              : trans.__('Delete its DAG file %1', s.where)
          }
          onClick={item.onRemove}
        >
          {trans.__('Remove')}
        </button>
      </div>
      <div className="nbops-schedule-next" data-next={next ?? ''}>
        {next
          ? trans.__('Next run: %1', new Date(next).toLocaleString())
          : trans.__('No next run')}
      </div>
      {s.path ? (
        <button
          className="nbops-link nbops-schedule-pipeline"
          title={trans.__('Open the pipeline view')}
          onClick={() =>
            void commands.execute(CommandIDs.openPipeline, { path: s.path })
          }
        >
          {s.path}
        </button>
      ) : (
        <div className="nbops-schedule-pipeline">{s.pipeline}</div>
      )}
      {s.error && <Message error>{s.error}</Message>}
      {s.last_runs.length === 0 && !s.error ? (
        <Message>{trans.__('Not run yet.')}</Message>
      ) : (
        <ul className="nbops-schedule-runs">
          {s.last_runs.map(run => (
            <ScheduledRun key={run.run_id} run={run} ctx={item.ctx} />
          ))}
        </ul>
      )}
    </li>
  );
}

/** One run a schedule started: status, time, a report button per step. */
function ScheduledRun(props: {
  run: IScheduledRun;
  ctx: ISectionContext;
}): JSX.Element {
  const { run } = props;
  const { trans, commands } = props.ctx;
  return (
    <li
      className="nbops-schedule-run"
      data-run-id={run.run_id}
      data-status={run.status}
      title={run.scheduler_run || run.run_id}
    >
      <span className={`nbops-dot nbops-status-${run.status.toLowerCase()}`} />
      <span className="nbops-schedule-run-status">
        {run.status.toLowerCase()}
      </span>
      <span className="nbops-schedule-run-time">
        {formatTime(run.start_time)}
      </span>
      {run.steps
        .filter(step => step.run_id)
        .map(step => (
          <button
            key={step.name}
            className="nbops-link nbops-schedule-step"
            data-status={step.status ?? ''}
            title={trans.__('The report of %1 (%2)', step.name, step.status)}
            onClick={() =>
              void commands.execute(CommandIDs.openReport, {
                runId: step.run_id
              })
            }
          >
            {step.name}
          </button>
        ))}
    </li>
  );
}
