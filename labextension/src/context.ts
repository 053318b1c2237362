import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { RunsModel } from './model';
import { SchedulesModel } from './schedulesModel';
import { DataModel } from './sections/data';
import { ISettings } from './tokens';

/** What the commands need from the plugin. */
export interface ICommandContext {
  app: JupyterFrontEnd;
  model: RunsModel;
  /** The Data section's model (its shown snapshot, the notebook's snapshots). */
  data: DataModel;
  notebooks: INotebookTracker;
  trans: TranslationBundle;
  settings: () => ISettings;
  /** JupyterLab's renderers (the compare tab's charts use its Vega-Lite one). */
  rendermime: IRenderMimeRegistry | null;
  translator: ITranslator;
  /** The sidebar (what `nbops:open-sidebar` shows). */
  sidebar: Widget;
  palette: ICommandPalette | null;
  /** The file browser (its selected pipeline.yaml opens in the pipeline view). */
  fileBrowser: IDefaultFileBrowser | null;
  /** The schedules nbops installed (the Schedules section's model). */
  schedules: SchedulesModel;
}
