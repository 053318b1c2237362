import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { listIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Poll } from '@lumino/polling';
import { Widget } from '@lumino/widgets';

import { showTags } from './cellTags';
import { addCommands } from './commands';
import { IModelState, RunsModel } from './model';
import { ISettings } from './tokens';
import { BuiltinSections } from './sections/builtin';
import { ISectionRegistry, SectionRegistry } from './sections/registry';
import { schedulesSection } from './sections/schedules';
import { SchedulesModel } from './schedulesModel';
import { RunsPanel } from './widgets/runsPanel';

const PLUGIN_ID = 'nbops:plugin';
const STATE_KEY = 'nbops:sidebar';
/** A cell whose source matches this probably logged something: refresh after it runs. */
const LOGS = /nbops|%%track|%snapshot|%drift|%%expect|mlflow/;

/**
 * The nbops sidebar (Runs, Data, Environment, Steps of the notebook in focus) and the
 * `nbops:*` commands: compare, export as step, run headless, open report, cell tags.
 */
const sidebar: JupyterFrontEndPlugin<SectionRegistry> = {
  id: PLUGIN_ID,
  description:
    'A sidebar with the tracked runs, data and steps of the notebook in focus.',
  autoStart: true,
  provides: ISectionRegistry,
  requires: [INotebookTracker],
  optional: [
    ILayoutRestorer,
    ICommandPalette,
    ITranslator,
    ISettingRegistry,
    IStateDB,
    IRenderMimeRegistry,
    IDefaultFileBrowser
  ],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
    registry: ISettingRegistry | null,
    state: IStateDB | null,
    rendermime: IRenderMimeRegistry | null,
    fileBrowser: IDefaultFileBrowser | null
  ): SectionRegistry => {
    const trans = (translator ?? nullTranslator).load('nbops');
    const sections = new SectionRegistry();
    const model = new RunsModel(
      app.serviceManager.serverSettings,
      () => sections.models
    );
    const builtins = new BuiltinSections(app.serviceManager.serverSettings);
    builtins.sections.forEach(section => sections.add(section));
    const schedules = new SchedulesModel(app.serviceManager.serverSettings);
    sections.add(schedulesSection(schedules));
    const panel = new RunsPanel(
      model,
      app.commands,
      sections,
      translator ?? nullTranslator,
      rendermime
    );
    panel.title.icon = listIcon;
    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, 'nbops-sidebar');

    let settings: ISettings = {
      metrics: [],
      refreshInterval: 0,
      defaultKernel: ''
    };
    let poll: Poll | null = null;
    const applySettings = (values: ISettings) => {
      settings = values;
      panel.metrics = values.metrics;
      poll?.dispose();
      poll = refreshPoll(model, panel, values);
    };
    if (registry) {
      void registry.load(PLUGIN_ID).then(loaded => {
        applySettings(loaded.composite as unknown as ISettings);
        loaded.changed.connect(() =>
          applySettings(loaded.composite as unknown as ISettings)
        );
      });
    }

    const save = () =>
      void state?.save(STATE_KEY, {
        ...model.toJSON(),
        closed: panel.closedSections
      } as unknown as ReadonlyPartialJSONObject);
    model.changed.connect(save);
    panel.onSectionsChanged = save;
    const restored = state
      ? state.fetch(STATE_KEY).then(saved => {
          const value = saved as unknown as
            (IModelState & { closed?: string[] }) | undefined;
          model.restore(value);
          if (value?.closed) {
            panel.closedSections = value.closed;
          }
        })
      : Promise.resolve();

    const follow = () => {
      const current = notebooks.currentWidget;
      void model.setNotebook(current ? current.context.path : null);
      showTags(current);
    };
    notebooks.currentChanged.connect(follow);
    notebooks.widgetAdded.connect((_, widget) => {
      widget.context.pathChanged.connect(follow);
      widget.context.ready.then(() => showTags(widget));
      widget.content.modelContentChanged.connect(() => showTags(widget));
    });
    void restored.then(follow);

    let pending = 0;
    NotebookActions.executed.connect((_, { notebook, cell }) => {
      const path = notebooks.find(p => p.content === notebook)?.context.path;
      if (
        path === model.notebook &&
        LOGS.test(cell.model.sharedModel.getSource())
      ) {
        window.clearTimeout(pending);
        pending = window.setTimeout(() => void model.refresh(), 300);
      }
    });

    addCommands({
      app,
      model,
      data: builtins.data,
      notebooks,
      trans,
      settings: () => settings,
      rendermime,
      translator: translator ?? nullTranslator,
      sidebar: panel,
      fileBrowser,
      palette,
      schedules
    });
    return sections;
  }
};

/** How often the sidebar follows a RUNNING run when periodic refresh is off (ms). */
const FOLLOW_INTERVAL_MS = 3000;

/**
 * Refresh the runs every `refreshInterval` seconds while the sidebar is in view and the page
 * visible (JupyterLab's own poll: it stands by when hidden and backs off when the server fails).
 * With the refresh off, the same poll only follows the shown run while it is RUNNING.
 */
function refreshPoll(model: RunsModel, panel: Widget, values: ISettings): Poll {
  const refreshing = values.refreshInterval > 0;
  const interval = refreshing
    ? values.refreshInterval * 1000
    : FOLLOW_INTERVAL_MS;
  return new Poll({
    factory: () =>
      model.state !== 'ready'
        ? Promise.resolve()
        : refreshing
          ? model.refresh()
          : model.followRunning(),
    frequency: { interval, backoff: true, max: interval * 10 },
    name: 'nbops:refresh-runs',
    standby: () => !panel.isVisible || 'when-hidden'
  });
}

export default [sidebar];
