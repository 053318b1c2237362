import { Notification } from '@jupyterlab/apputils';

import { requestAPI } from './api';
import type { ICommandContext } from './context';
import { follow } from './follower';
import { notifyError } from './notify';
import { CommandIDs, IReproduction } from './tokens';

/** The notification type of a verdict. */
export function verdictType(
  reproduction: IReproduction
): 'success' | 'warning' | 'error' {
  switch (reproduction.verdict) {
    case 'IDENTICAL':
    case 'WITHIN TOLERANCE':
      return 'success';
    case 'DIFFERENT':
      return 'warning';
    default:
      return 'error';
  }
}

/**
 * Reproduce a run (`nbops reproduce`) on the server: an in-progress notification, then the
 * verdict with "Open report" on the new run.
 */
export async function reproduceRun(
  ctx: ICommandContext,
  runId: string,
  notebook: string
): Promise<IReproduction | null> {
  const { app, model, trans } = ctx;
  const settings = app.serviceManager.serverSettings;
  const short = runId.slice(0, 8);
  let current: IReproduction;
  try {
    current = await requestAPI<IReproduction>(
      `runs/${runId}/reproduce`,
      { notebook },
      { method: 'POST', body: JSON.stringify({}) },
      settings
    );
  } catch (error) {
    notifyError(trans.__('Cannot reproduce run %1', short), error, trans);
    return null;
  }
  const id = Notification.emit(
    trans.__('Reproducing run %1…', short),
    'in-progress',
    { autoClose: false }
  );
  const followed = await follow<IReproduction>(
    `reproductions/${current.id}`,
    current,
    state => state.status === 'RUNNING',
    settings
  );
  const failure = followed.lost;
  current = followed.last;
  const message =
    failure ??
    current.error ??
    trans.__('Run %1: %2', short, current.summary ?? '');
  const newRun = current.run_id;
  Notification.update({
    id,
    message,
    type: failure || current.error ? 'error' : verdictType(current),
    autoClose: false,
    actions: newRun
      ? [
          {
            label: trans.__('Open report'),
            callback: () =>
              void app.commands.execute(CommandIDs.openReport, {
                runId: newRun,
                notebook
              })
          }
        ]
      : []
  });
  await model.refresh();
  return current;
}
