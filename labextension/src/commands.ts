import { MainAreaWidget } from '@jupyterlab/apputils';
import { URLExt } from '@jupyterlab/coreutils';

import { requestAPI } from './api';
import { addTagCommands } from './cellTags';
import { ICommandContext } from './context';
import { notifyError, ProgressNote } from './notify';
import { promoteRun } from './promote';
import { reproduceRun } from './reproduce';
import { runHeadless } from './runHeadless';
import {
  CommandIDs,
  IDescribeComparison,
  IDescribeDataDiff,
  IDescribeLineage,
  IStep
} from './tokens';
import { RunsViewModel } from './runsViewModel';
import { CompareView } from './widgets/compareView';
import { DataDiffView } from './widgets/dataDiffView';
import { LineageView } from './widgets/lineageView';
import { PipelineView } from './widgets/pipelineView';
import { schedulePipeline } from './schedule';
import { RunsView } from './widgets/runsView';
import { ReportView } from './widgets/reportView';

/** Register every `nbops:*` command, and each in the command palette. */
export function addCommands(ctx: ICommandContext): void {
  const { app, model, notebooks, trans } = ctx;
  app.commands.addCommand(CommandIDs.refresh, {
    label: trans.__('nbops: Refresh Runs'),
    execute: () => model.refresh()
  });
  app.commands.addCommand(CommandIDs.openSidebar, {
    label: trans.__('nbops: Show Runs Sidebar'),
    execute: () => app.shell.activateById(ctx.sidebar.id)
  });
  const currentPath = () => notebooks.currentWidget?.context.path ?? null;
  const hasNotebook = () => notebooks.currentWidget !== null;
  /** The YAML file selected in the file browser, if one is. */
  const selectedPipeline = (): string | null => {
    const item = ctx.fileBrowser?.selectedItems().next();
    const path = item && !item.done ? item.value.path : null;
    return path && /\.ya?ml$/.test(path) ? path : null;
  };

  app.commands.addCommand(CommandIDs.compare, {
    label: trans.__('nbops: Compare Selected Runs'),
    isEnabled: args =>
      ((args.ids as string[] | undefined) ?? model.selected).length >= 2,
    execute: async args => {
      const ids = (args.ids as string[] | undefined) ?? model.selected;
      const notebook = (args.notebook as string) ?? model.notebook ?? '';
      try {
        const compare = (by: string) =>
          requestAPI<IDescribeComparison>(
            'compare',
            { ids: ids.join(','), notebook, by },
            {},
            app.serviceManager.serverSettings
          );
        const comparison = await compare('step');
        const view = new MainAreaWidget({
          content: new CompareView(
            comparison,
            ctx.translator,
            ctx.rendermime,
            compare
          )
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

  app.commands.addCommand(CommandIDs.diffSnapshot, {
    label: trans.__('nbops: Diff Snapshot with Its Previous Version'),
    isEnabled: args => Boolean(args.id ?? ctx.data.snapshot?.previous),
    execute: async args => {
      const id = (args.id as string) ?? ctx.data.snapshot?.id;
      const against = (args.against as string) ?? '';
      const notebook = (args.notebook as string) ?? model.notebook ?? '';
      const diff = (key: string[]) =>
        requestAPI<IDescribeDataDiff>(
          `snapshots/${id}/diff`,
          { notebook, against, key: key.join(',') },
          {},
          app.serviceManager.serverSettings
        );
      try {
        const found = await diff([]);
        const view = new MainAreaWidget({
          content: new DataDiffView(found, diff, ctx.translator)
        });
        view.id = `nbops-data-diff-${Date.now()}`;
        view.title.label = trans.__(
          'Diff of %1 %2',
          found.b.name,
          found.b.id.slice(0, 8)
        );
        view.title.closable = true;
        app.shell.add(view, 'main');
        app.shell.activateById(view.id);
      } catch (error) {
        notifyError(trans.__('Cannot diff the snapshot'), error, trans);
      }
    }
  });

  app.commands.addCommand(CommandIDs.openLineage, {
    label: trans.__('nbops: Open Lineage of the Selected Run'),
    caption: trans.__(
      'Snapshots, the runs that wrote and read them, and model versions around a run'
    ),
    isEnabled: args => Boolean(args.of ?? model.selected.length === 1),
    execute: async args => {
      const notebook = (args.notebook as string) ?? model.notebook ?? '';
      const load = (of: string) =>
        requestAPI<IDescribeLineage>(
          'lineage',
          { notebook, of },
          {},
          app.serviceManager.serverSettings
        );
      try {
        const found = await load((args.of as string) ?? model.selected[0]);
        const view = new MainAreaWidget({
          content: new LineageView(found, load, ctx.rendermime, ctx.translator)
        });
        view.id = `nbops-lineage-${Date.now()}`;
        view.title.label = trans.__('Lineage');
        view.title.closable = true;
        app.shell.add(view, 'main');
        app.shell.activateById(view.id);
      } catch (error) {
        notifyError(trans.__('Cannot show the lineage'), error, trans);
      }
    }
  });

  app.commands.addCommand(CommandIDs.openPipeline, {
    label: trans.__('nbops: Open Pipeline View'),
    caption: trans.__(
      "A pipeline file's DAG, each step's last run, and running it"
    ),
    isVisible: args => Boolean(args.path ?? selectedPipeline()),
    execute: async args => {
      const path = (args.path as string) ?? selectedPipeline();
      if (!path) {
        return;
      }
      const content = new PipelineView(
        path,
        app.serviceManager.serverSettings,
        ctx.rendermime,
        {
          openReport: runId =>
            void app.commands.execute(CommandIDs.openReport, { runId }),
          openLineage: of =>
            void app.commands.execute(CommandIDs.openLineage, { of }),
          schedule: () =>
            void app.commands.execute(CommandIDs.schedulePipeline, { path })
        },
        ctx.translator
      );
      const view = new MainAreaWidget({ content });
      view.id = `nbops-pipeline-${Date.now()}`;
      view.title.label = trans.__('Pipeline %1', path);
      view.title.closable = true;
      app.shell.add(view, 'main');
      app.shell.activateById(view.id);
      await content.load();
    }
  });

  app.commands.addCommand(CommandIDs.schedulePipeline, {
    label: trans.__('nbops: Schedule Pipeline…'),
    caption: trans.__(
      'Run a pipeline file on a schedule: an Airflow DAG in the dags folder, or a line in your crontab'
    ),
    isVisible: args => Boolean(args.path ?? selectedPipeline()),
    execute: async args => {
      const path = (args.path as string) ?? selectedPipeline();
      if (path) {
        await schedulePipeline(ctx, path);
      }
    }
  });

  app.commands.addCommand(CommandIDs.openRunsView, {
    label: trans.__('nbops: Open Runs Table'),
    caption: trans.__(
      "Every run of this notebook in a tab: a column per metric and parameter, MLflow's filters"
    ),
    isEnabled: () => (model.notebook ?? currentPath()) !== null,
    execute: async () => {
      const notebook = model.notebook ?? currentPath();
      if (notebook === null) {
        return;
      }
      const table = new RunsViewModel(
        notebook,
        app.serviceManager.serverSettings
      );
      const view = new MainAreaWidget({
        content: new RunsView(table, app.commands, ctx.translator)
      });
      view.id = `nbops-runs-view-${Date.now()}`;
      view.title.label = trans.__('Runs of %1', notebook);
      view.title.closable = true;
      app.shell.add(view, 'main');
      app.shell.activateById(view.id);
      await table.load();
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
      const view = new MainAreaWidget({
        content: new ReportView(url, ctx.translator)
      });
      view.id = `nbops-report-${runId}`;
      view.title.label = trans.__('Report %1', runId.slice(0, 8));
      view.title.closable = true;
      app.shell.add(view, 'main');
      app.shell.activateById(view.id);
    }
  });

  app.commands.addCommand(CommandIDs.reproduce, {
    label: trans.__('nbops: Reproduce Selected Run'),
    caption: trans.__(
      'Run the selected run again as recorded and compare: a verdict'
    ),
    isEnabled: () => model.selected.length === 1,
    execute: async args => {
      const runId = (args.runId as string) || model.selected[0];
      await reproduceRun(ctx, runId, model.notebook ?? '');
    }
  });

  app.commands.addCommand(CommandIDs.promote, {
    label: trans.__('nbops: Promote Selected Run…'),
    caption: trans.__(
      "Register the run's model and move @champion to it if every gate holds"
    ),
    isEnabled: () => model.selected.length === 1,
    execute: async args => {
      const runId = (args.runId as string) || model.selected[0];
      await promoteRun(ctx, runId, model.notebook ?? '');
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
      const progress = new ProgressNote(
        trans.__('Exporting %1…', panel.context.path)
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
        await progress.finish(
          step.written
            ? trans.__('Exported %1@%2', step.name, step.version)
            : trans.__(
                'Unchanged: already exported as %1@%2',
                step.name,
                step.version
              ),
          'success',
          { autoClose: 5000 }
        );
        await model.refresh();
      } catch (error) {
        await progress.dismiss();
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

  addTagCommands(app.commands, notebooks, trans);
  // every command of nbops is in the palette: those of CommandIDs and the cell tags'
  for (const command of app.commands.listCommands()) {
    if (command.startsWith('nbops:')) {
      ctx.palette?.addItem({ command, category: 'nbops' });
    }
  }
}
