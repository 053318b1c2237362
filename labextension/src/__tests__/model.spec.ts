import { RunsModel } from '../model';
import { fakeServer } from './fakeServer';

function run(id: string, rmse: number) {
  return {
    run_id: id.padEnd(32, '0'),
    name: id,
    experiment: 'nb.ipynb',
    status: 'FINISHED',
    start_time: 1,
    end_time: 2,
    duration_ms: 1,
    params: {},
    metrics: { rmse },
    tags: {}
  };
}

/** A fake nbops server: two pages of runs, one snapshot, no steps. */
function server(status = 200) {
  return fakeServer(url => {
    if (status !== 200) {
      return { status, body: '{"message": "nope"}' };
    }
    const path = new URL(url).pathname;
    const query = new URL(url).searchParams;
    if (path.endsWith('/config')) {
      return { status: 200, body: '{"tracking_uri": "sqlite:///x.db"}' };
    }
    if (path.endsWith('/runs')) {
      const second = query.get('page_token') === 'p2';
      const runs = second ? [run('c', 3)] : [run('a', 1), run('b', 2)];
      return {
        status: 200,
        body: JSON.stringify({ runs, next_page_token: second ? null : 'p2' })
      };
    }
    if (path.endsWith('/snapshots')) {
      return {
        status: 200,
        body: '{"snapshots": [{"id": "f00", "name": "train"}]}'
      };
    }
    if (path.endsWith('/models')) {
      const version = {
        model: 'diabetes',
        version: '2',
        run_id: 'a'.padEnd(32, '0'),
        aliases: ['champion'],
        decision: 'promoted',
        gates: [],
        champion_version: '2'
      };
      return {
        status: 200,
        body: JSON.stringify({ versions: [version], monitors: [] })
      };
    }
    return { status: 200, body: '{"steps": []}' };
  });
}

describe('RunsModel', () => {
  it('loads the runs, snapshots and steps of a notebook', async () => {
    const { settings, urls } = server();
    const model = new RunsModel(settings);
    const states: string[] = [];
    model.changed.connect(() => states.push(model.state));
    await model.setNotebook('nb.ipynb');
    expect(model.state).toBe('ready');
    expect(states).toEqual(['loading', 'ready']);
    expect(model.runs.map(r => r.name)).toEqual(['a', 'b']);
    expect(model.snapshots[0].name).toBe('train');
    expect(model.versions.map(v => `${v.model} v${v.version}`)).toEqual([
      'diabetes v2'
    ]);
    expect(model.registryError).toBe('');
    expect(model.hasMore).toBe(true);
    expect(
      urls.some(u =>
        u.includes('runs?notebook=nb.ipynb&limit=50&sort=start_time&order=desc')
      )
    ).toBe(true);
  });

  it('appends the next page', async () => {
    const { settings } = server();
    const model = new RunsModel(settings);
    await model.setNotebook('nb.ipynb');
    await model.loadMore();
    expect(model.runs.map(r => r.name)).toEqual(['a', 'b', 'c']);
    expect(model.hasMore).toBe(false);
  });

  it('flips the order when sorting by the same key again', async () => {
    const { settings, urls } = server();
    const model = new RunsModel(settings);
    await model.setNotebook('nb.ipynb');
    await model.setSort('metrics.rmse');
    expect(model.sort).toEqual({ key: 'metrics.rmse', descending: true });
    await model.setSort('metrics.rmse');
    expect(model.sort).toEqual({ key: 'metrics.rmse', descending: false });
    expect(urls.filter(u => u.includes('/runs?')).pop()).toContain(
      'sort=metrics.rmse&order=asc'
    );
  });

  it('says the server extension is missing on 404, and shows other errors', async () => {
    const missing = new RunsModel(server(404).settings);
    await missing.setNotebook('nb.ipynb');
    expect(missing.state).toBe('no-server');
    const failing = new RunsModel(server(500).settings);
    await failing.setNotebook('nb.ipynb');
    expect(failing.state).toBe('error');
    expect(failing.error).toBe('nope');
  });

  it('remembers the selection, sort order and open groups, not across notebooks', async () => {
    const { settings } = server();
    const model = new RunsModel(settings);
    model.restore({
      sort: { key: 'metrics.rmse', descending: false },
      selected: ['x'],
      expanded: ['p']
    });
    expect(model.toJSON()).toEqual({
      sort: { key: 'metrics.rmse', descending: false },
      selected: ['x'],
      expanded: ['p']
    });
    expect(model.isExpanded('p')).toBe(true);
    model.toggleExpanded('p');
    expect(model.isExpanded('p')).toBe(false);
    model.toggleExpanded('p');
    await model.setNotebook('other.ipynb');
    expect(model.selected).toEqual([]);
    expect(model.isExpanded('p')).toBe(false);
  });
});
