import { Button } from '@jupyterlab/ui-components';
import * as React from 'react';

import { requestAPI } from '../api';
import { PAGE_SIZE } from '../model';
import { CommandIDs, IDescribeSnapshot, ISnapshot } from '../tokens';
import { formatValue, fullValue } from '../widgets/dom';
import { NotebookPart } from './notebookPart';
import { Message } from './parts';
import { ISectionContext, ISidebarSection } from './registry';

/** The Data section's model: the notebook's snapshots, and the one whose profile is shown. */
export class DataModel extends NotebookPart {
  get snapshots(): ISnapshot[] {
    return this._snapshots;
  }

  /** The snapshot whose profile is shown (null: none). */
  get snapshot(): IDescribeSnapshot | null {
    return this._snapshot;
  }

  /** Show one snapshot's profile, or hide it when it is already shown. */
  async expandSnapshot(id: string): Promise<void> {
    if (this._snapshot?.id === id) {
      this._snapshot = null;
      this.emit();
      return;
    }
    try {
      this._snapshot = await requestAPI<IDescribeSnapshot>(
        `snapshots/${id}`,
        { notebook: this.notebook ?? '' },
        {},
        this.settings
      );
      this.emit();
    } catch (error) {
      this.fail(error);
    }
  }

  protected async fetch(notebook: string): Promise<() => void> {
    const answer = await requestAPI<{ snapshots: ISnapshot[] }>(
      'snapshots',
      { notebook, limit: PAGE_SIZE },
      {},
      this.settings
    );
    return () => (this._snapshots = answer.snapshots);
  }

  protected forget(): void {
    this._snapshots = [];
    this._snapshot = null;
  }

  private _snapshots: ISnapshot[] = [];
  private _snapshot: IDescribeSnapshot | null = null;
}

/** The Data section, showing `data`. */
export function dataSection(data: DataModel): ISidebarSection {
  return {
    id: 'data',
    rank: 200,
    title: trans => trans.__('Data'),
    model: data,
    render: ctx => <DataSection ctx={ctx} data={data} />
  };
}

/** The Data section: the notebook's snapshots, one expanded with its profile. */
export function DataSection(props: {
  ctx: ISectionContext;
  data: DataModel;
}): JSX.Element {
  const { ctx, data } = props;
  const { trans } = ctx;
  const error = data.error && <Message error>{data.error}</Message>;
  if (data.snapshots.length === 0) {
    return (
      <div className="nbops-data">
        {error}
        <Message>
          {trans.__('No snapshots yet: nbops.snapshot(df, "name") takes one.')}
        </Message>
      </div>
    );
  }
  return (
    <div className="nbops-data">
      {error}
      <ul className="nbops-snapshots">
        {data.snapshots.map(snap => (
          <li
            key={snap.id}
            className="nbops-snapshot"
            data-snapshot-id={snap.id}
          >
            <button
              className="nbops-snapshot-line"
              title={trans.__('Fingerprint %1, %2', snap.id, snap.created)}
              onClick={() => void data.expandSnapshot(snap.id)}
            >
              <span className="nbops-snapshot-name">{snap.name}</span>
              <span className="nbops-snapshot-shape">
                {`${snap.rows} × ${snap.columns}`}
              </span>
              <span className="nbops-snapshot-role">{snap.role}</span>
              <code className="nbops-snapshot-id">{snap.id.slice(0, 12)}</code>
            </button>
            {data.snapshot?.id === snap.id && (
              <SnapshotProfile ctx={ctx} snapshot={data.snapshot} />
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

function SnapshotProfile(props: {
  ctx: ISectionContext;
  snapshot: IDescribeSnapshot;
}): JSX.Element {
  const { ctx, snapshot } = props;
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
