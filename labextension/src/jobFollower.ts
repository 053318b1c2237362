import { Notification } from '@jupyterlab/apputils';

import { requestAPI } from './api';
import type { ICommandContext } from './context';
import { errorMessage } from './notify';
import { CommandIDs, IJob } from './tokens';

const POLL_MS = 1000;

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
  let current = job;
  while (current.status === 'RUNNING') {
    await new Promise(resolve => setTimeout(resolve, POLL_MS));
    try {
      current = await requestAPI<IJob>(
        `jobs/${job.id}`,
        {},
        {},
        app.serviceManager.serverSettings
      );
    } catch (error) {
      Notification.update({
        id,
        message: trans.__('Lost track of %1: %2', label, errorMessage(error)),
        type: 'error',
        autoClose: false
      });
      return;
    }
    if (current.status === 'RUNNING') {
      Notification.update({
        id,
        message: trans.__(
          'Running %1 headless: %2 of %3 cells',
          label,
          current.cells_done,
          current.cells_total
        ),
        type: 'in-progress',
        autoClose: false
      });
    }
  }
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
