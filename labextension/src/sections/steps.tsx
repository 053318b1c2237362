import * as React from 'react';

import { CommandIDs } from '../tokens';
import { Message } from './parts';
import { ISectionContext } from './registry';

/** The Steps section: export, and the exported versions of the notebook with "Run…". */
export function StepsSection({ ctx }: { ctx: ISectionContext }): JSX.Element {
  const { model, trans, commands } = ctx;
  return (
    <div className="nbops-steps">
      <button
        className="jp-mod-styled nbops-export"
        onClick={() => void commands.execute(CommandIDs.exportStep)}
      >
        {trans.__('Export as step')}
      </button>
      {model.steps.length === 0 ? (
        <Message>{trans.__('No exported versions of this notebook.')}</Message>
      ) : (
        <ul className="nbops-step-list">
          {model.steps.map(step => {
            const id = `${step.name}@${step.version}`;
            return (
              <li key={id} className="nbops-step">
                <span className="nbops-step-name">{id}</span>
                <span className="nbops-step-time">{step.exported_at}</span>
                <button
                  className="jp-mod-styled nbops-step-run"
                  onClick={() =>
                    void commands.execute(CommandIDs.runHeadless, { step: id })
                  }
                >
                  {trans.__('Run…')}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
