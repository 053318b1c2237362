import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { NbopsAPIError, requestAPI } from './api';
import type { ICommandContext } from './context';
import { notifyError, ProgressNote } from './notify';
import { IPromotion } from './tokens';
import { IPromotionRequest, PromoteForm } from './widgets/promoteDialog';

/** Post a promotion request. */
function requestPromotion(
  ctx: ICommandContext,
  runId: string,
  notebook: string,
  values: IPromotionRequest
): Promise<IPromotion> {
  return requestAPI<IPromotion>(
    `runs/${runId}/promote`,
    { notebook },
    { method: 'POST', body: JSON.stringify(values) },
    ctx.app.serviceManager.serverSettings
  );
}

/**
 * Ask before loading models that the user did not register: loading a model runs its code.
 *
 * @returns whether the user accepted
 */
export async function confirmForeignModels(
  ctx: ICommandContext,
  message: string,
  items: string[]
): Promise<boolean> {
  const { trans } = ctx;
  const body = document.createElement('div');
  body.className = 'nbops-confirm-foreign';
  const text = document.createElement('p');
  text.textContent = message;
  const list = document.createElement('ul');
  for (const item of items) {
    const entry = document.createElement('li');
    entry.textContent = item;
    list.appendChild(entry);
  }
  body.append(text, list);
  const answer = await showDialog({
    title: trans.__('Load models registered by others?'),
    body: new Widget({ node: body }),
    buttons: [
      Dialog.cancelButton(),
      Dialog.warnButton({ label: trans.__('Load and promote') })
    ]
  });
  return answer.button.accept;
}

/**
 * Promote a run's model (`nbops promote`): one dialog for the model, gates, evaluation snapshot
 * and alias; post, and show the decision. A request the server refuses (a malformed gate, a
 * wrong label column) opens the dialog again with its message and the values typed. The sidebar's
 * Production section then shows the version and its aliases.
 */
export async function promoteRun(
  ctx: ICommandContext,
  runId: string,
  notebook: string
): Promise<IPromotion | null> {
  const { model, data, trans } = ctx;
  let values: IPromotionRequest = {
    model: (notebook.split('/').pop() ?? 'model').replace(/\.ipynb$/, ''),
    gates: [],
    eval: null,
    target: null,
    alias: 'champion'
  };
  const snapshots = [...new Set(data.snapshots.map(s => s.name))];
  let error = '';
  for (;;) {
    const form = new PromoteForm(values, snapshots, error, ctx.translator);
    const answer = await showDialog({
      title: trans.__('Promote run %1', runId.slice(0, 8)),
      body: form,
      buttons: [
        Dialog.cancelButton(),
        Dialog.okButton({ label: trans.__('Promote') })
      ]
    });
    if (!answer.button.accept) {
      return null;
    }
    values = form.getValue();
    // scoring on a snapshot or checking servability takes seconds: say it is under way
    const progress = new ProgressNote(
      trans.__('Promoting run %1 as %2…', runId.slice(0, 8), values.model)
    );
    try {
      const decision = await requestPromotion(
        ctx,
        runId,
        notebook,
        values
      ).catch(async failure => {
        // the promotion would load models someone else registered: ask, then load them
        if (!(failure instanceof NbopsAPIError) || failure.status !== 409) {
          throw failure;
        }
        await progress.dismiss();
        const items = (failure.details.confirm as string[] | undefined) ?? [];
        if (!(await confirmForeignModels(ctx, failure.message, items))) {
          return null;
        }
        return requestPromotion(ctx, runId, notebook, {
          ...values,
          confirm: true
        });
      });
      if (decision === null) {
        return null;
      }
      await progress.finish(
        decision.summary,
        decision.promoted ? 'success' : 'warning',
        { autoClose: false }
      );
      await model.refresh();
      return decision;
    } catch (failure) {
      await progress.dismiss();
      if (failure instanceof NbopsAPIError && failure.status === 400) {
        error = failure.message; // the server's message, shown in the dialog
        continue;
      }
      notifyError(
        trans.__('Cannot promote run %1', runId.slice(0, 8)),
        failure,
        trans
      );
      return null;
    }
  }
}
