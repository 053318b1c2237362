import { CommandIDs } from '../tokens';
import type { ISectionContext } from './runsSection';
import { h, message } from './dom';

/** The Steps section: export, and the exported versions of the notebook with "Run…". */
export function renderSteps(ctx: ISectionContext): HTMLElement {
  const model = ctx.model;
  const trans = ctx.trans;
  const box = h('div', 'nbops-steps');
  const exportButton = h(
    'button',
    'jp-mod-styled nbops-export',
    trans.__('Export as step')
  );
  exportButton.onclick = () => void ctx.commands.execute(CommandIDs.exportStep);
  box.appendChild(exportButton);
  if (model.steps.length === 0) {
    box.appendChild(
      message(trans.__('No exported versions of this notebook.'))
    );
    return box;
  }
  const list = h('ul', 'nbops-step-list');
  for (const step of model.steps) {
    const item = h('li', 'nbops-step');
    item.append(
      h('span', 'nbops-step-name', `${step.name}@${step.version}`),
      h('span', 'nbops-step-time', step.exported_at)
    );
    const run = h('button', 'jp-mod-styled nbops-step-run', trans.__('Run…'));
    run.onclick = () =>
      void ctx.commands.execute(CommandIDs.runHeadless, {
        step: `${step.name}@${step.version}`
      });
    item.appendChild(run);
    list.appendChild(item);
  }
  box.appendChild(list);
  return box;
}
