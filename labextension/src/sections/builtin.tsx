import { ServerConnection } from '@jupyterlab/services';
import * as React from 'react';

import { ChartSection } from './chart';
import { DataModel, dataSection } from './data';
import { EnvironmentSection } from './environment';
import { ProductionModel, productionSection } from './production';
import { ISidebarSection } from './registry';
import { RunsSection } from './runs';
import { StepsModel, stepsSection } from './steps';

/**
 * nbops's own sidebar sections, ranked 100 apart so that others can go between. Runs, Chart and
 * Environment show the runs model's runs and selection; Data, Steps and Production each have
 * their own model, loaded with the runs.
 */
export class BuiltinSections {
  constructor(settings?: ServerConnection.ISettings) {
    this.data = new DataModel(settings);
    this.steps = new StepsModel(settings);
    this.production = new ProductionModel(settings);
    this.sections = this._sections();
  }

  /** The Data section's model (commands read its shown snapshot). */
  readonly data: DataModel;
  readonly steps: StepsModel;
  readonly production: ProductionModel;

  /** The sections, in rank order. */
  readonly sections: ISidebarSection[];

  private _sections(): ISidebarSection[] {
    return [
      {
        id: 'runs',
        rank: 100,
        title: trans => trans.__('Runs'),
        render: ctx => <RunsSection ctx={ctx} />
      },
      {
        id: 'chart',
        rank: 150,
        title: trans => trans.__('Chart'),
        render: ctx => <ChartSection ctx={ctx} />
      },
      dataSection(this.data),
      {
        id: 'env',
        rank: 300,
        title: trans => trans.__('Environment'),
        render: ctx => <EnvironmentSection ctx={ctx} />
      },
      stepsSection(this.steps),
      productionSection(this.production)
    ];
  }
}
