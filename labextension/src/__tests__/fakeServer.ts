import { ServerConnection } from '@jupyterlab/services';

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
