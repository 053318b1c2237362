import * as React from 'react';

import { formatEnvironmentValue, fullValue } from '../widgets/dom';
import { Message } from './parts';
import { ISectionContext } from './registry';

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
export function EnvironmentSection({
  ctx
}: {
  ctx: ISectionContext;
}): JSX.Element {
  const detail = ctx.model.detail;
  if (!detail || !detail.environment) {
    return (
      <div className="nbops-environment">
        <Message>
          {ctx.trans.__('Select a run to see the environment it ran in.')}
        </Message>
      </div>
    );
  }
  const environment = detail.environment;
  const shown = ENVIRONMENT_KEYS.filter(
    key => ![undefined, null, ''].includes(environment[key] as any)
  );
  return (
    <div className="nbops-environment">
      <div className="nbops-environment-run">
        {detail.name || detail.run_id}
      </div>
      <dl className="nbops-kv">
        {shown.map(key => {
          const value = environment[key];
          return (
            <React.Fragment key={key}>
              <dt>{key.replace(/_bytes$/, '')}</dt>
              <dd title={fullValue(value)}>
                {formatEnvironmentValue(key, value)}
              </dd>
            </React.Fragment>
          );
        })}
      </dl>
    </div>
  );
}
