import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { listIcon } from '@jupyterlab/ui-components';

import { RunsModel } from './model';
import { CommandIDs } from './tokens';
import { RunsPanel } from './widgets/runsPanel';

/**
 * The nbops sidebar: runs of the notebook in focus, refreshed when the focus changes.
 */
const sidebar: JupyterFrontEndPlugin<void> = {
  id: 'nbops:sidebar',
  description: 'A sidebar listing the tracked runs of the notebook in focus.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ILayoutRestorer, ICommandPalette, ITranslator, ILabShell],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load('nbops');
    const model = new RunsModel(app.serviceManager.serverSettings);
    const panel = new RunsPanel(model, translator ?? nullTranslator);
    panel.title.icon = listIcon;
    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, 'nbops-sidebar');

    const follow = () => {
      const current = notebooks.currentWidget;
      void model.setNotebook(current ? current.context.path : null);
    };
    notebooks.currentChanged.connect(follow);
    notebooks.widgetAdded.connect((_, widget) => {
      widget.context.pathChanged.connect(follow);
    });
    follow();

    app.commands.addCommand(CommandIDs.refresh, {
      label: trans.__('nbops: Refresh Runs'),
      execute: () => model.refresh()
    });
    app.commands.addCommand(CommandIDs.openSidebar, {
      label: trans.__('nbops: Show Runs Sidebar'),
      execute: () => app.shell.activateById(panel.id)
    });
    palette?.addItem({ command: CommandIDs.refresh, category: 'nbops' });
    palette?.addItem({ command: CommandIDs.openSidebar, category: 'nbops' });
  }
};

export default [sidebar];
