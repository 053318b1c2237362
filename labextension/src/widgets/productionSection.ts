import type { ISectionContext } from './runsSection';
import { formatTime, h, message } from './dom';

/** The Production section: model versions of this notebook's runs, and the monitor runs. */
export function renderProduction(ctx: ISectionContext): HTMLElement {
  const { model, trans } = ctx;
  const box = h('div', 'nbops-production');
  if (model.registryError) {
    box.appendChild(
      message(
        trans.__('Cannot read the model registry: %1', model.registryError)
      )
    );
  }
  if (model.versions.length === 0) {
    box.appendChild(
      message(
        trans.__(
          'No model versions yet: select a run that logged a model and press Promote.'
        )
      )
    );
  } else {
    const list = h('ul', 'nbops-versions');
    for (const version of model.versions) {
      const item = h('li', 'nbops-version');
      item.dataset.runId = version.run_id;
      item.append(
        h('span', 'nbops-version-name', `${version.model} v${version.version}`),
        ...version.aliases.map(alias => h('span', 'nbops-alias', `@${alias}`)),
        h(
          'span',
          `nbops-decision nbops-decision-${(version.decision ?? 'none').replace(' ', '-')}`,
          version.decision ?? ''
        )
      );
      item.title = version.gates
        .map(g => `${g.gate}: ${g.passed ? 'pass' : 'fail'}`)
        .join('\n');
      list.appendChild(item);
    }
    box.appendChild(list);
  }
  if (model.monitors.length > 0) {
    box.appendChild(h('div', 'nbops-subtitle', trans.__('Monitoring')));
    const list = h('ul', 'nbops-monitors');
    for (const run of model.monitors) {
      const drift = run.verdict === 'drift';
      const item = h('li', 'nbops-monitor');
      item.append(
        h(
          'span',
          'nbops-monitor-name',
          run.experiment.replace(/^monitor\//, '')
        ),
        h(
          'span',
          `nbops-verdict nbops-verdict-${drift ? 'drift' : 'ok'}`,
          drift
            ? trans.__('drift: %1', run.drifted.join(', '))
            : (run.verdict ?? run.name)
        ),
        h('span', 'nbops-monitor-time', formatTime(run.start_time))
      );
      item.title = run.promotion ?? run.run_id;
      list.appendChild(item);
    }
    box.appendChild(list);
  }
  return box;
}
