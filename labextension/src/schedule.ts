import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Notification } from '@jupyterlab/apputils';

import { NbopsAPIError } from './api';
import type { ICommandContext } from './context';
import { notifyError } from './notify';
import { IScheduleRequest } from './schedulesModel';
import { ISchedule } from './tokens';
import { confirmationBody, ScheduleForm } from './widgets/scheduleDialog';

/**
 * Schedule a pipeline file (`nbops schedule --install`): one dialog for the scheduler and the
 * cron expression; the server checks them (a dry run) and the user confirms what will be
 * installed (the crontab line itself, or the DAG file); then it is installed. A request the
 * server refuses opens the dialog again with its message and the values typed.
 */
export async function schedulePipeline(
  ctx: ICommandContext,
  path: string
): Promise<ISchedule | null> {
  const { schedules, trans } = ctx;
  if (!schedules.listing) {
    await schedules.load();
  }
  const listing = schedules.listing;
  const where = {
    dagsFolder: listing?.dags_folder ?? null,
    cron: listing?.cron ?? false
  };
  let values: IScheduleRequest = {
    path,
    cron: '0 3 * * *',
    to: where.dagsFolder ? 'airflow' : 'cron'
  };
  let error = '';
  for (;;) {
    const form = new ScheduleForm(values, where, error, ctx.translator);
    const answer = await showDialog({
      title: trans.__('Schedule %1', path),
      body: form,
      buttons: [
        Dialog.cancelButton(),
        Dialog.okButton({ label: trans.__('Next') })
      ]
    });
    if (!answer.button.accept) {
      return null;
    }
    values = form.getValue();
    try {
      const shown = await schedules.install({ ...values, dry_run: true });
      const confirmed = await showDialog({
        title:
          shown.target === 'cron'
            ? trans.__('Install this line in your crontab?')
            : trans.__('Write this Airflow DAG?'),
        body: confirmationBody(shown, ctx.translator),
        buttons: [
          Dialog.cancelButton(),
          Dialog.okButton({ label: trans.__('Install') })
        ]
      });
      if (!confirmed.button.accept) {
        return null;
      }
      const done = await schedules.install(values);
      Notification.success(
        trans.__('Scheduled %1 (%2) with %3', done.id, done.cron, done.target),
        { autoClose: 5000 }
      );
      return done;
    } catch (failure) {
      if (failure instanceof NbopsAPIError && failure.status === 400) {
        error = failure.message; // the server's message, shown in the dialog
        continue;
      }
      notifyError(trans.__('Cannot schedule %1', path), failure, trans);
      return null;
    }
  }
}

/** Remove a schedule after asking. */
export async function removeSchedule(
  ctx: Pick<ICommandContext, 'schedules' | 'trans'>,
  schedule: ISchedule
): Promise<boolean> {
  const { schedules, trans } = ctx;
  const answer = await showDialog({
    title: trans.__('Remove the schedule %1?', schedule.id),
    body:
      schedule.target === 'cron'
        ? trans.__('Its line is removed from your crontab.')
        : trans.__('Its DAG file %1 is deleted.', schedule.where),
    buttons: [
      Dialog.cancelButton(),
      Dialog.warnButton({ label: trans.__('Remove') })
    ]
  });
  if (!answer.button.accept) {
    return false;
  }
  try {
    await schedules.remove(schedule);
    return true;
  } catch (failure) {
    notifyError(trans.__('Cannot remove %1', schedule.id), failure, trans);
    return false;
  }
}
