import { Button } from '@jupyterlab/ui-components';
import * as React from 'react';

import { CommandIDs } from '../tokens';
import { formatValue, fullValue } from '../widgets/dom';
import { Message } from './parts';
import { ISectionContext } from './registry';

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
      <Button
        small
        className="nbops-snapshot-lineage"
        title={ctx.trans.__(
          'The runs that wrote and read this snapshot, and the model versions they led to'
        )}
        onClick={() =>
          void ctx.commands.execute(CommandIDs.openLineage, {
            of: snapshot.id
          })
        }
      >
        {ctx.trans.__('Lineage')}
      </Button>
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
