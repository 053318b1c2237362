import { Dialog, showDialog } from '@jupyterlab/apputils';

import { NbopsAPIError, requestAPI } from './api';
import type { ICommandContext } from './context';
import { followJob } from './jobFollower';
import { notifyError } from './notify';
import { IJob, IParameter } from './tokens';
import { RunForm } from './widgets/runDialog';

/** The run dialog, then a job followed by a notification until it ends. */
export async function runHeadless(
  ctx: ICommandContext,
  notebook: string,
  step?: string
) {
  const { app, model, trans } = ctx;
  const server = app.serviceManager.serverSettings;
  let schema: { parameters: IParameter[]; kernel: string };
  try {
    schema = await requestAPI('parameters', { notebook, step }, {}, server);
  } catch (error) {
    notifyError(
      trans.__('Cannot read the parameters of %1', step ?? notebook),
      error,
      trans
    );
    return;
  }
  let values: Record<string, string> = {};
  let error = '';
  for (;;) {
    const form = new RunForm(schema.parameters, values, error);
    const answer = await showDialog({
      title: trans.__('Run %1 headless', step ?? notebook),
      body: form,
      buttons: [
        Dialog.cancelButton(),
        Dialog.okButton({ label: trans.__('Run') })
      ]
    });
    if (!answer.button.accept) {
      return;
    }
    values = form.getValue();
    const body = {
      notebook,
      step,
      parameters: form.changed(),
      kernel: ctx.settings().defaultKernel || undefined
    };
    try {
      const job = await requestAPI<IJob>(
        'jobs',
        {},
        { method: 'POST', body: JSON.stringify(body) },
        server
      );
      void followJob(ctx, job, notebook);
      void model.refresh();
      return;
    } catch (failure) {
      if (failure instanceof NbopsAPIError && failure.status === 400) {
        error = failure.message; // the server's validation message, shown in the dialog
        continue;
      }
      notifyError(trans.__('Cannot start the run'), failure, trans);
      return;
    }
  }
}
