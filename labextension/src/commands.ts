import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  Dialog,
  MainAreaWidget,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { URLExt } from '@jupyterlab/coreutils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';

import { NbopsAPIError, requestAPI } from './api';
import { RunsModel } from './model';
import {
  CommandIDs,
  IDescribeComparison,
  IJob,
  IParameter,
  ISettings,
  IStep
} from './tokens';
import { CompareView } from './widgets/compareView';
import { ReportView } from './widgets/reportView';
import { RunForm } from './widgets/runDialog';

const POLL_MS = 1000;
export const TAGS: Record<string, string> = {
  [CommandIDs.tagParameters]: 'parameters',
  [CommandIDs.tagSkip]: 'nbops:skip',
  [CommandIDs.tagHide]: 'nbops:report-hide'
};

/** What the commands need from the plugin. */
export interface ICommandContext {
  app: JupyterFrontEnd;
  model: RunsModel;
  notebooks: INotebookTracker;
  trans: TranslationBundle;
  settings: () => ISettings;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Show an error as a notification with its full text behind "Show details". */
function notifyError(
  title: string,
  error: unknown,
  trans: TranslationBundle
): void {
  const message = errorMessage(error);
  Notification.error(`${title}: ${message}`, {
    autoClose: false,
    actions: [
      {
        label: trans.__('Show details'),
        callback: () =>
          void showDialog({
            title,
            body: message,
            buttons: [Dialog.okButton()]
          })
      }
    ]
  });
}

/** Mark the cells carrying nbops tags (a class per tag, shown by the stylesheet). */
export function showTags(panel: NotebookPanel | null): void {
  if (!panel) {
    return;
  }
  for (const cell of panel.content.widgets) {
    const tags = (cell.model.getMetadata('tags') as string[] | undefined) ?? [];
    for (const tag of Object.values(TAGS)) {
      cell.node.classList.toggle(
        `nbops-tag-${tag.replace(':', '-')}`,
        tags.includes(tag)
      );
    }
  }
}

/** Register every `nbops:*` command. */
export function addCommands(ctx: ICommandContext): void {
  const { app, model, notebooks, trans } = ctx;
  const currentPath = () => notebooks.currentWidget?.context.path ?? null;
  const hasNotebook = () => notebooks.currentWidget !== null;

  app.commands.addCommand(CommandIDs.compare, {
    label: trans.__('nbops: Compare Selected Runs'),
    isEnabled: () => model.selected.length >= 2,
    execute: async () => {
      try {
        const comparison = await requestAPI<IDescribeComparison>(
          'compare',
          { ids: model.selected.join(','), notebook: model.notebook ?? '' },
          {},
          app.serviceManager.serverSettings
        );
        const view = new MainAreaWidget({
          content: new CompareView(comparison)
        });
        view.id = `nbops-compare-${Date.now()}`;
        view.title.label = trans.__('Compare %1 runs', comparison.runs.length);
        view.title.closable = true;
        app.shell.add(view, 'main');
      } catch (error) {
        notifyError(trans.__('Cannot compare the runs'), error, trans);
      }
    }
  });

  app.commands.addCommand(CommandIDs.openReport, {
    label: trans.__('nbops: Open Run Report'),
    isEnabled: () => model.selected.length === 1,
    execute: args => {
      const runId = (args.runId as string) || model.selected[0];
      const notebook = (args.notebook as string) || model.notebook || '';
      const base = app.serviceManager.serverSettings.baseUrl;
      const url =
        URLExt.join(base, 'nbops', 'api', 'runs', runId, 'report') +
        `?notebook=${encodeURIComponent(notebook)}`;
      const view = new MainAreaWidget({ content: new ReportView(url) });
      view.id = `nbops-report-${runId}`;
      view.title.label = trans.__('Report %1', runId.slice(0, 8));
      view.title.closable = true;
      app.shell.add(view, 'main');
      app.shell.activateById(view.id);
    }
  });

  app.commands.addCommand(CommandIDs.exportStep, {
    label: trans.__('nbops: Export as Pipeline Step'),
    caption: trans.__('Save the notebook and export it as a versioned step'),
    isEnabled: hasNotebook,
    execute: async () => {
      const panel = notebooks.currentWidget;
      if (!panel) {
        return;
      }
      await panel.context.save();
      const id = Notification.emit(
        trans.__('Exporting %1…', panel.context.path),
        'in-progress',
        { autoClose: false }
      );
      try {
        const step = await requestAPI<IStep>(
          'steps',
          {},
          {
            method: 'POST',
            body: JSON.stringify({ notebook: panel.context.path })
          },
          app.serviceManager.serverSettings
        );
        Notification.update({
          id,
          message: step.written
            ? trans.__('Exported %1@%2', step.name, step.version)
            : trans.__(
                'Unchanged: already exported as %1@%2',
                step.name,
                step.version
              ),
          type: 'success',
          autoClose: 5000
        });
        await model.refresh();
      } catch (error) {
        Notification.dismiss(id);
        notifyError(trans.__('Export failed'), error, trans);
      }
    }
  });

  app.commands.addCommand(CommandIDs.runHeadless, {
    label: trans.__('nbops: Run Headless…'),
    caption: trans.__(
      'Run this notebook with papermill in the background, with parameters'
    ),
    isEnabled: hasNotebook,
    execute: async args => {
      const notebook = currentPath();
      if (!notebook) {
        return;
      }
      const step = (args.step as string) || undefined;
      await runHeadless(ctx, notebook, step);
    }
  });

  for (const [id, tag] of Object.entries(TAGS)) {
    app.commands.addCommand(id, {
      label: trans.__('nbops: Toggle Cell Tag "%1"', tag),
      isEnabled: () => notebooks.activeCell !== null,
      isToggled: () =>
        (
          (notebooks.activeCell?.model.getMetadata('tags') as string[]) ?? []
        ).includes(tag),
      execute: () => {
        const cell = notebooks.activeCell;
        if (!cell) {
          return;
        }
        const tags = [...((cell.model.getMetadata('tags') as string[]) ?? [])];
        const at = tags.indexOf(tag);
        if (at >= 0) {
          tags.splice(at, 1);
        } else {
          tags.push(tag);
        }
        cell.model.setMetadata('tags', tags);
        showTags(notebooks.currentWidget);
      }
    });
  }
}

/** The run dialog, then a job followed by a notification until it ends. */
async function runHeadless(
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
      void follow(ctx, job, notebook);
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

/** Follow a job: an in-progress notification, then success with "Open report", or the error. */
async function follow(
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
