import { Notification } from '@jupyterlab/apputils';

import type { ICommandContext } from './context';
import { follow } from './follower';
import { CommandIDs, IJob } from './tokens';

/** Follow a job: an in-progress notification, then success with "Open report", or the error. */
export async function followJob(
  ctx: ICommandContext,
  job: IJob,
  notebook: string
): Promise<void> {
  const { app, model, trans } = ctx;
  const label = job.target.split('/').pop() ?? job.target;
  const id = Notification.emit(
    trans.__('Running %1 headless…', label),
    'in-progress',
    { autoClose: false }
  );
  const followed = await follow<IJob>(
    `jobs/${job.id}`,
    job,
    state => state.status === 'RUNNING',
    app.serviceManager.serverSettings,
    state =>
      Notification.update({
        id,
        message: trans.__(
          'Running %1 headless: %2 of %3 cells',
          label,
          state.cells_done,
          state.cells_total
        ),
        type: 'in-progress',
        autoClose: false
      })
  );
  if (followed.lost !== null) {
    Notification.update({
      id,
      message: trans.__('Lost track of %1: %2', label, followed.lost),
      type: 'error',
      autoClose: false
    });
    return;
  }
  const current = followed.last;
  const openReport = {
    label: trans.__('Open report'),
    callback: () =>
      void app.commands.execute(CommandIDs.openReport, {
        runId: current.run_id,
        notebook
      })
  };
  const ok = current.status === 'FINISHED';
  Notification.update({
    id,
    message: ok
      ? trans.__(
          'Run of %1 finished (run %2).',
          label,
          current.run_id.slice(0, 8)
        )
      : trans.__(
          'Run of %1 %2: %3',
          label,
          current.status,
          current.error ?? ''
        ),
    type: ok ? 'success' : 'error',
    autoClose: false,
    actions: current.report ? [openReport] : []
  });
  await model.refresh();
}
