import type { ISectionContext } from './runsSection';
import { formatValue, h, message } from './dom';

/** The Data section: the notebook's snapshots, one expanded with its profile. */
export function renderData(ctx: ISectionContext): HTMLElement {
  const model = ctx.model;
  const trans = ctx.trans;
  const box = h('div', 'nbops-data');
  if (model.snapshots.length === 0) {
    box.appendChild(
      message(
        trans.__('No snapshots yet: nbops.snapshot(df, "name") takes one.')
      )
    );
    return box;
  }
  const list = h('ul', 'nbops-snapshots');
  for (const snap of model.snapshots) {
    const item = h('li', 'nbops-snapshot');
    item.dataset.snapshotId = snap.id;
    const line = h('button', 'nbops-snapshot-line');
    line.append(
      h('span', 'nbops-snapshot-name', snap.name),
      h('span', 'nbops-snapshot-shape', `${snap.rows} × ${snap.columns}`),
      h('span', 'nbops-snapshot-role', snap.role),
      h('code', 'nbops-snapshot-id', snap.id.slice(0, 12))
    );
    line.title = trans.__('Fingerprint %1, %2', snap.id, snap.created);
    line.onclick = () => void model.expandSnapshot(snap.id);
    item.appendChild(line);
    if (model.snapshot?.id === snap.id) {
      item.appendChild(snapshotProfile(ctx));
    }
    list.appendChild(item);
  }
  box.appendChild(list);
  return box;
}

function snapshotProfile(ctx: ISectionContext): HTMLElement {
  const profile = ctx.model.snapshot!.profile;
  const table = h('table', 'nbops-profile');
  const head = table.createTHead().insertRow();
  for (const label of ['column', 'dtype', 'nulls', 'min', 'mean', 'max']) {
    head.appendChild(h('th', '', ctx.trans.__(label)));
  }
  for (const [name, column] of Object.entries(profile.columns)) {
    const row = table.insertRow();
    for (const value of [
      name,
      column.dtype,
      column.nulls,
      column.min,
      column.mean,
      column.max
    ]) {
      row.insertCell().textContent = formatValue(value);
    }
  }
  return table;
}
