import { InputDialog, Notification } from '@jupyterlab/apputils';

import { requestAPI } from './api';
import type { ICommandContext } from './commands';
import { notifyError } from './notify';
import { IPromotion } from './tokens';

/** Gates typed in one line, separated by semicolons. */
export function splitGates(text: string): string[] {
  return text
    .split(';')
    .map(gate => gate.trim())
    .filter(gate => gate.length > 0);
}

/**
 * Promote a run's model (`nbops promote`): ask for the model and the gates, post, and show the
 * decision; the sidebar's Production section then shows the version and its aliases.
 */
export async function promoteRun(
  ctx: ICommandContext,
  runId: string,
  notebook: string
): Promise<IPromotion | null> {
  const { app, model, trans } = ctx;
  const name = await InputDialog.getText({
    title: trans.__('Promote run %1', runId.slice(0, 8)),
    label: trans.__('Registered model'),
    text: (notebook.split('/').pop() ?? 'model').replace(/\.ipynb$/, '')
  });
  if (!name.button.accept || !name.value) {
    return null;
  }
  const gates = await InputDialog.getText({
    title: trans.__('Gates for %1', name.value),
    label: trans.__(
      'All must hold, separated by ";" (e.g. rmse < champion*0.98; r2 >= 0.4; servable)'
    ),
    text: ''
  });
  if (!gates.button.accept) {
    return null;
  }
  try {
    const decision = await requestAPI<IPromotion>(
      `runs/${runId}/promote`,
      { notebook },
      {
        method: 'POST',
        body: JSON.stringify({
          model: name.value,
          gates: splitGates(gates.value ?? '')
        })
      },
      app.serviceManager.serverSettings
    );
    Notification.emit(
      decision.summary,
      decision.promoted ? 'success' : 'warning',
      {
        autoClose: false
      }
    );
    await model.refresh();
    return decision;
  } catch (error) {
    notifyError(
      trans.__('Cannot promote run %1', runId.slice(0, 8)),
      error,
      trans
    );
    return null;
  }
}
