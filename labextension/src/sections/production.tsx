import * as React from 'react';

import { CommandIDs } from '../tokens';
import { formatTime } from '../widgets/dom';
import { Message } from './parts';
import { ISectionContext } from './registry';

/** The Production section: model versions of this notebook's runs, and the monitor runs. */
export function ProductionSection({
  ctx
}: {
  ctx: ISectionContext;
}): JSX.Element {
  const { model, trans } = ctx;
  return (
    <div className="nbops-production">
      {model.registryError && (
        <Message>
          {trans.__('Cannot read the model registry: %1', model.registryError)}
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
