import * as React from 'react';

import { requestAPI } from '../api';
import { CommandIDs, IModelVersion, IMonitor } from '../tokens';
import { formatTime } from '../widgets/dom';
import { NotebookPart } from './notebookPart';
import { Message } from './parts';
import { ISectionContext, ISidebarSection } from './registry';

/** The Production section's model: the registry's versions of the notebook's runs, monitors. */
export class ProductionModel extends NotebookPart {
  /** The model versions registered from this notebook's runs, newest first. */
  get versions(): IModelVersion[] {
    return this._versions;
  }

  /** The newest monitor runs of the store. */
  get monitors(): IMonitor[] {
    return this._monitors;
  }

  protected async fetch(notebook: string): Promise<() => void> {
    const answer = await requestAPI<{
      versions?: IModelVersion[];
      monitors?: IMonitor[];
    }>('models', { notebook }, {}, this.settings);
    return () => {
      this._versions = answer.versions ?? [];
      this._monitors = answer.monitors ?? [];
    };
  }

  protected forget(): void {
    this._versions = [];
    this._monitors = [];
  }

  private _versions: IModelVersion[] = [];
  private _monitors: IMonitor[] = [];
}

/** The Production section, showing `production`. */
export function productionSection(
  production: ProductionModel
): ISidebarSection {
  return {
    id: 'production',
    rank: 500,
    title: trans => trans.__('Production'),
    model: production,
    render: ctx => <ProductionSection ctx={ctx} production={production} />
  };
}

/** The Production section: model versions of this notebook's runs, and the monitor runs. */
export function ProductionSection(props: {
  ctx: ISectionContext;
  production: ProductionModel;
}): JSX.Element {
  const { ctx, production: model } = props;
  const { trans } = ctx;
  return (
    <div className="nbops-production">
      {model.error && (
        <Message>
          {trans.__('Cannot read the model registry: %1', model.error)}
        </Message>
      )}
      {model.versions.length === 0 ? (
        <Message>
          {trans.__(
            'No model versions yet: select a run that logged a model and press Promote.'
          )}
        </Message>
      ) : (
        <ul className="nbops-versions">
          {model.versions.map(version => (
            <li
              key={`${version.model}/${version.version}`}
              className="nbops-version"
              data-run-id={version.run_id}
              title={version.gates
                .map(g => `${g.gate}: ${g.passed ? 'pass' : 'fail'}`)
                .join('\n')}
            >
              <span className="nbops-version-name">
                {`${version.model} v${version.version}`}
              </span>
              {version.aliases.map(alias => (
                <span key={alias} className="nbops-alias">{`@${alias}`}</span>
              ))}
              <span
                className={`nbops-decision nbops-decision-${(version.decision ?? 'none').replace(' ', '-')}`}
              >
                {version.decision ?? ''}
              </span>
              <button
                className="nbops-link nbops-version-lineage"
                title={ctx.trans.__(
                  'The run, the snapshots and the runs before this model version'
                )}
                onClick={() =>
                  void ctx.commands.execute(CommandIDs.openLineage, {
                    of: `${version.model}/${version.version}`
                  })
                }
              >
                {ctx.trans.__('lineage')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {model.monitors.length > 0 && (
        <>
          <div className="nbops-subtitle">{trans.__('Monitoring')}</div>
          <ul className="nbops-monitors">
            {model.monitors.map(run => {
              const drift = run.verdict === 'drift';
              return (
                <li
                  key={run.run_id}
                  className="nbops-monitor"
                  title={run.promotion ?? run.run_id}
                >
                  <span className="nbops-monitor-name">
                    {run.experiment.replace(/^monitor\//, '')}
                  </span>
                  <span
                    className={`nbops-verdict nbops-verdict-${drift ? 'drift' : 'ok'}`}
                  >
                    {drift
                      ? trans.__('drift: %1', run.drifted.join(', '))
                      : (run.verdict ?? run.name)}
                  </span>
                  <span className="nbops-monitor-time">
                    {formatTime(run.start_time)}
                  </span>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </div>
  );
}
