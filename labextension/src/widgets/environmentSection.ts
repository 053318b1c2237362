import type { ISectionContext } from './runsSection';
import { h, message } from './dom';

const ENVIRONMENT_KEYS = [
  'python',
  'os',
  'machine',
  'cpu_count',
  'memory_bytes',
  'gpus',
  'conda_env',
  'git_commit',
  'git_branch',
  'git_dirty',
  'package_count',
  'code_hash'
];

/** The Environment section: where the selected run ran. */
export function renderEnvironment(ctx: ISectionContext): HTMLElement {
  const detail = ctx.model.detail;
  const box = h('div', 'nbops-environment');
  if (!detail || !detail.environment) {
    box.appendChild(
      message(ctx.trans.__('Select a run to see the environment it ran in.'))
    );
    return box;
  }
  box.appendChild(
    h('div', 'nbops-environment-run', detail.name || detail.run_id)
  );
  const list = h('dl', 'nbops-kv');
  for (const key of ENVIRONMENT_KEYS) {
    const value = detail.environment[key];
    if (value === undefined || value === null || value === '') {
      continue;
    }
    list.appendChild(h('dt', '', key));
    list.appendChild(
      h(
        'dd',
        '',
        typeof value === 'object' ? JSON.stringify(value) : String(value)
      )
    );
  }
  box.appendChild(list);
  return box;
}
