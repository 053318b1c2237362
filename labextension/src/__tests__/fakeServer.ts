import { ServerConnection } from '@jupyterlab/services';

import { IRun } from '../tokens';

type Answer = { status: number; body: string };

/** Server settings whose fetch records each URL and answers with `answer(url)`. */
export function fakeServer(answer: (url: string) => Answer): {
  settings: ServerConnection.ISettings;
  urls: string[];
} {
  const urls: string[] = [];
  const fetch = async (input: RequestInfo | URL) => {
    const url = typeof input === 'string' ? input : (input as Request).url;
    urls.push(url.replace(/&\d+$/, '')); // without the cache-busting timestamp
    const { status, body } = answer(url);
    return new Response(body, {
      status,
      statusText: status === 200 ? 'OK' : 'Error'
    });
  };
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/',
    fetch: fetch as any,
    Request: Request,
    Headers: Headers
  });
  return { settings, urls };
}

/** A finished run named `id`: with one metric `rmse`, or with the metrics, tags, params given. */
export function fakeRun(
  id: string,
  metrics: number | Record<string, number> = {},
  tags: Record<string, string> = {},
  params: Record<string, string> = {}
): IRun {
  return {
    run_id: id.padEnd(32, '0'),
    name: id,
    experiment: 'nb.ipynb',
    status: 'FINISHED',
    start_time: 1,
    end_time: 2,
    duration_ms: 1,
    params,
    metrics: typeof metrics === 'number' ? { rmse: metrics } : metrics,
    tags
  };
}

/** A fake nbops server: two pages of runs, one snapshot (with its profile), no steps; `failing`
 * paths fail. */
export function nbopsServer(status = 200, failing: RegExp | null = null) {
  return fakeServer(url => {
    if (failing?.test(url)) {
      return { status: 500, body: '{"message": "The store went away."}' };
    }
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
      const runs = second
        ? [fakeRun('c', 3)]
        : [fakeRun('a', 1), fakeRun('b', 2)];
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
    const snapshot = /\/snapshots\/(\w+)$/.exec(path);
    if (snapshot) {
      const columns = { x: { dtype: 'int64', nulls: 0 } };
      return {
        status: 200,
        body: JSON.stringify({
          id: snapshot[1],
          name: 'train',
          profile: { rows: 1, columns }
        })
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
