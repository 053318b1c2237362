import * as React from 'react';

import { ChartSection } from './chart';
import { DataSection } from './data';
import { EnvironmentSection } from './environment';
import { ProductionSection } from './production';
import { ISidebarSection } from './registry';
import { RunsSection } from './runs';
import { StepsSection } from './steps';

/** nbops's own sidebar sections, ranked 100 apart so that others can go between. */
export const BUILTIN_SECTIONS: ISidebarSection[] = [
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
  {
    id: 'data',
    rank: 200,
    title: trans => trans.__('Data'),
    render: ctx => <DataSection ctx={ctx} />
  },
  {
    id: 'env',
    rank: 300,
    title: trans => trans.__('Environment'),
    render: ctx => <EnvironmentSection ctx={ctx} />
  },
  {
    id: 'steps',
    rank: 400,
    title: trans => trans.__('Steps'),
    render: ctx => <StepsSection ctx={ctx} />
  },
  {
    id: 'production',
    rank: 500,
    title: trans => trans.__('Production'),
    render: ctx => <ProductionSection ctx={ctx} />
  }
];
