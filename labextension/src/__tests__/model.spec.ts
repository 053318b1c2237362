import { ServerConnection } from '@jupyterlab/services';

import { RunsModel } from '../model';
import { DataModel } from '../sections/data';
import { ProductionModel } from '../sections/production';
import { StepsModel } from '../sections/steps';
import { fakeRun, fakeServer, nbopsServer as server } from './fakeServer';

/** The runs model with the Data, Steps and Production sections' models as its parts. */
function withParts(settings: ServerConnection.ISettings) {
  const data = new DataModel(settings);
  const steps = new StepsModel(settings);
  const production = new ProductionModel(settings);
  const model = new RunsModel(settings, () => [data, steps, production]);
  return { model, data, steps, production };
}

describe('RunsModel', () => {
  it("loads the runs of a notebook, and each section's model with them", async () => {
    const { settings, urls } = server();
    const { model, data, steps, production } = withParts(settings);
    const states: string[] = [];
    model.changed.connect(() => states.push(model.state));
    await model.setNotebook('nb.ipynb');
    expect(model.state).toBe('ready');
    expect(states).toEqual(['loading', 'ready']);
    expect(model.runs.map(r => r.name)).toEqual(['a', 'b']);
    expect(data.snapshots[0].name).toBe('train');
    expect(steps.steps).toEqual([]);
    expect(production.versions.map(v => `${v.model} v${v.version}`)).toEqual([
      'diabetes v2'
    ]);
    expect([data.error, steps.error, production.error]).toEqual(['', '', '']);
    expect(model.hasMore).toBe(true);
    expect(
      urls.some(u =>
        u.includes('runs?notebook=nb.ipynb&limit=50&sort=start_time&order=desc')
      )
    ).toBe(true);
  });

  it("keeps a section model's failure in that model while the rest loads", async () => {
    const { settings } = server(200, /\/models\?/);
    const { model, data, production } = withParts(settings);
    await model.setNotebook('nb.ipynb');
    expect(model.state).toBe('ready');
    expect(model.runs.map(r => r.name)).toEqual(['a', 'b']);
    expect(data.snapshots.map(s => s.name)).toEqual(['train']);
    expect(production.error).toBe('The store went away.');
    expect(production.versions).toEqual([]);
    expect(model.notice).toBe(''); // not the whole sidebar's
  });

  it("forgets a section model's content for another notebook or none", async () => {
    const { settings, urls } = server();
    const { model, data } = withParts(settings);
    await model.setNotebook('nb.ipynb');
    await data.expandSnapshot('f00');
    expect(data.snapshot?.id).toBe('f00');
    expect(urls.pop()).toContain('snapshots/f00?notebook=nb.ipynb');
    await data.expandSnapshot('f00'); // shown: hidden again, nothing asked
    expect(data.snapshot).toBeNull();
    expect(urls.some(u => u.includes('snapshots/f00?'))).toBe(false);
    await model.setNotebook(null);
    expect(data.snapshots).toEqual([]);
    expect(data.notebook).toBeNull();
  });

  it('shows why a part failed while the rest stays', async () => {
    const { settings } = server(200, /page_token=p2|runs\/a0/);
    const model = new RunsModel(settings);
    await model.setNotebook('nb.ipynb');
    await model.loadMore();
    expect(model.state).toBe('ready');
    expect(model.runs.map(r => r.name)).toEqual(['a', 'b']);
    expect(model.notice).toBe('The store went away.');
    model.dismissNotice();
    expect(model.notice).toBe('');
    await model.toggle(model.runs[0].run_id);
    expect(model.notice).toBe('The store went away.');
    expect(model.detail).toBeNull();
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

  it("keeps a notebook's runs shown while they reload, not while another notebook loads", async () => {
    const model = new RunsModel(server().settings);
    expect(model.hasContent).toBe(false);
    await model.setNotebook('nb.ipynb');
    expect(model.hasContent).toBe(true);
    const reloading = model.refresh();
    expect(model.state).toBe('loading');
    expect(model.hasContent).toBe(true); // no flicker on a refresh
    await reloading;
    const switching = model.setNotebook('other.ipynb');
    expect(model.state).toBe('loading');
    expect(model.hasContent).toBe(false); // not nb.ipynb's runs under other.ipynb's name
    await switching;
    expect(model.hasContent).toBe(true);
    const failing = new RunsModel(server(500).settings);
    await failing.setNotebook('nb.ipynb');
    expect(failing.hasContent).toBe(false);
  });

  it('follows the shown run while it is RUNNING, then stops asking', async () => {
    let logged = 1;
    const { settings, urls } = fakeServer(url => {
      if (!/runs\/a0+\?/.test(url)) {
        return { status: 200, body: '{}' };
      }
      const values = Array.from({ length: logged }, (_, step) => ({
        metric: 'loss',
        step,
        value: 1 / (step + 1)
      }));
      const status = logged < 3 ? 'RUNNING' : 'FINISHED';
      logged += 1;
      return {
        status: 200,
        body: JSON.stringify({
          ...fakeRun('a'),
          status,
          chart: { title: 'loss', spec: { data: { values } } }
        })
      };
    });
    const model = new RunsModel(settings);
    const runId = 'a'.padEnd(32, '0');
    await model.toggle(runId);
    const points = () =>
      (model.detail?.chart?.spec.data as { values: unknown[] }).values.length;
    expect(model.detail?.status).toBe('RUNNING');
    expect(points()).toBe(1);
    await model.followRunning();
    expect(points()).toBe(2);
    await model.followRunning();
    expect(model.detail?.status).toBe('FINISHED');
    expect(points()).toBe(3);
    const asked = urls.length;
    await model.followRunning(); // finished: nothing more to follow
    expect(urls.length).toBe(asked);
  });
});
