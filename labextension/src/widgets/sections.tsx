import { TranslationBundle } from '@jupyterlab/translation';
import { Button } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { RunsModel } from '../model';
import { CommandIDs } from '../tokens';
import {
  formatEnvironmentValue,
  formatTime,
  formatValue,
  fullValue
} from './dom';

/** What a sidebar section renders from: the model, the commands, the translator. */
export interface ISectionContext {
  model: RunsModel;
  commands: CommandRegistry;
  trans: TranslationBundle;
  /** Metric names shown as columns (from the settings; else those most runs logged). */
  metrics: string[];
}

/** A paragraph saying why a section is empty, or what to do. */
export function Message(props: {
  children: React.ReactNode;
  error?: boolean;
}): JSX.Element {
  const error = props.error ? ' nbops-mod-error' : '';
  return <p className={`nbops-message${error}`}>{props.children}</p>;
}

/** A collapsible section (`<details>`) whose open state the panel keeps. */
export function Section(props: {
  id: string;
  title: string;
  open: boolean;
  onToggle: (id: string, open: boolean) => void;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <details
      className={`nbops-section nbops-section-${props.id}`}
      open={props.open}
      onToggle={event =>
        props.onToggle(props.id, (event.target as HTMLDetailsElement).open)
      }
    >
      <summary className="nbops-section-title">{props.title}</summary>
      {props.children}
    </details>
  );
}

/** The Data section: the notebook's snapshots, one expanded with its profile. */
export function DataSection({ ctx }: { ctx: ISectionContext }): JSX.Element {
  const { model, trans } = ctx;
  if (model.snapshots.length === 0) {
    return (
      <div className="nbops-data">
        <Message>
          {trans.__('No snapshots yet: nbops.snapshot(df, "name") takes one.')}
        </Message>
      </div>
    );
  }
  return (
    <div className="nbops-data">
      <ul className="nbops-snapshots">
        {model.snapshots.map(snap => (
          <li
            key={snap.id}
            className="nbops-snapshot"
            data-snapshot-id={snap.id}
          >
            <button
              className="nbops-snapshot-line"
              title={trans.__('Fingerprint %1, %2', snap.id, snap.created)}
              onClick={() => void model.expandSnapshot(snap.id)}
            >
              <span className="nbops-snapshot-name">{snap.name}</span>
              <span className="nbops-snapshot-shape">
                {`${snap.rows} × ${snap.columns}`}
              </span>
              <span className="nbops-snapshot-role">{snap.role}</span>
              <code className="nbops-snapshot-id">{snap.id.slice(0, 12)}</code>
            </button>
            {model.snapshot?.id === snap.id && <SnapshotProfile ctx={ctx} />}
          </li>
        ))}
      </ul>
    </div>
  );
}

function SnapshotProfile({ ctx }: { ctx: ISectionContext }): JSX.Element {
  const snapshot = ctx.model.snapshot!;
  const columns = snapshot.profile.columns;
  const labels = ['column', 'dtype', 'nulls', 'min', 'mean', 'max'];
  return (
    <>
      {snapshot.previous && snapshot.version && (
        <Button
          small
          className="nbops-snapshot-diff"
          title={ctx.trans.__(
            'What changed from version %1 (%2) to this one',
            snapshot.version - 1,
            snapshot.previous.slice(0, 12)
          )}
          onClick={() =>
            void ctx.commands.execute(CommandIDs.diffSnapshot, {
              id: snapshot.id,
              notebook: ctx.model.notebook ?? ''
            })
          }
        >
          {ctx.trans.__(
            'Diff v%1 with v%2',
            snapshot.version,
            snapshot.version - 1
          )}
        </Button>
      )}
      <SnapshotTable ctx={ctx} columns={columns} labels={labels} />
    </>
  );
}

function SnapshotTable({
  ctx,
  columns,
  labels
}: {
  ctx: ISectionContext;
  columns: Record<string, Record<string, unknown>>;
  labels: string[];
}): JSX.Element {
  return (
    <table className="nbops-profile">
      <thead>
        <tr>
          {labels.map(label => (
            <th key={label}>{ctx.trans.__(label)}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {Object.entries(columns).map(([name, column]) => (
          <tr key={name}>
            {[
              name,
              column.dtype,
              column.nulls,
              column.min,
              column.mean,
              column.max
            ].map((value, i) => (
              <td key={i} title={fullValue(value)}>
                {formatValue(value)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

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
