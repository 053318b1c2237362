import * as React from 'react';

import { requestAPI } from '../api';
import { CommandIDs, IStep } from '../tokens';
import { NotebookPart } from './notebookPart';
import { Message } from './parts';
import { ISectionContext, ISidebarSection } from './registry';

/** The Steps section's model: the exported versions of the notebook. */
export class StepsModel extends NotebookPart {
  get steps(): IStep[] {
    return this._steps;
  }

  protected async fetch(notebook: string): Promise<() => void> {
    const answer = await requestAPI<{ steps: IStep[] }>(
      'steps',
      { notebook },
      {},
      this.settings
    );
    return () => (this._steps = answer.steps);
  }

  protected forget(): void {
    this._steps = [];
  }

  private _steps: IStep[] = [];
}

/** The Steps section, showing `steps`. */
export function stepsSection(steps: StepsModel): ISidebarSection {
  return {
    id: 'steps',
    rank: 400,
    title: trans => trans.__('Steps'),
    model: steps,
    render: ctx => <StepsSection ctx={ctx} steps={steps} />
  };
}

/** The Steps section: export, and the exported versions of the notebook with "Run…". */
export function StepsSection(props: {
  ctx: ISectionContext;
  steps: StepsModel;
}): JSX.Element {
  const { ctx, steps: model } = props;
  const { trans, commands } = ctx;
  return (
    <div className="nbops-steps">
      <button
        className="jp-mod-styled nbops-export"
        onClick={() => void commands.execute(CommandIDs.exportStep)}
      >
        {trans.__('Export as step')}
      </button>
      {model.error && <Message error>{model.error}</Message>}
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
