import { RunsViewModel } from '../runsViewModel';
import { fakeRun, fakeServer } from './fakeServer';

/** Answers runs; a filter with `bad` in it is refused as MLflow's syntax error is. */
function server() {
  return fakeServer(url => {
    const filter = new URL(url).searchParams.get('filter') ?? '';
    if (filter.includes('bad')) {
      return { status: 400, body: '{"message": "The filter is not valid"}' };
    }
    const runs = filter
      ? [fakeRun('a', { rmse: 1 }, {}, { alpha: '1' })]
      : [
          fakeRun('a', { rmse: 1 }, {}, { alpha: '1' }),
          fakeRun('b', { mae: 2 }, {}, { k: 'x' })
        ];
    return {
      status: 200,
      body: JSON.stringify({ runs, next_page_token: null })
    };
  });
}

describe('RunsViewModel', () => {
  it('has a column per metric and parameter, and filters in MLflow syntax', async () => {
    const { settings, urls } = server();
    const model = new RunsViewModel('nb.ipynb', settings);
    await model.load();
    expect(model.columns).toEqual({
      metrics: ['mae', 'rmse'],
      params: ['alpha', 'k']
    });
    await model.setFilter(' metrics.rmse < 3 ');
    expect(model.filter).toBe('metrics.rmse < 3');
    expect(model.runs.map(r => r.name)).toEqual(['a']);
    expect(urls[urls.length - 1]).toContain('filter=metrics.rmse+%3C+3');
    await model.setSort('params.alpha');
    expect(urls[urls.length - 1]).toContain('sort=params.alpha&order=desc');
  });

  it('keeps the runs and the filter in force when the server refuses one', async () => {
    const { settings } = server();
    const model = new RunsViewModel('nb.ipynb', settings);
    await model.setFilter('metrics.rmse < 3');
    await model.setFilter('bad <');
    expect(model.error).toBe('The filter is not valid');
    expect(model.filter).toBe('metrics.rmse < 3');
    expect(model.runs.map(r => r.name)).toEqual(['a']);
    model.toggle(model.runs[0].run_id);
    expect(model.selected).toEqual([model.runs[0].run_id]);
  });
});
