import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/**
 * An error answered by the nbops server extension, carrying its HTTP status, JSON message and
 * the rest of its JSON answer (a 409's `confirm` list).
 */
export class NbopsAPIError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly details: Record<string, unknown> = {}
  ) {
    super(message);
  }
}

/**
 * Call the nbops REST API: the only place the frontend talks to the server.
 *
 * @param endPoint - path under `/nbops/api/`, e.g. `runs`
 * @param query - query arguments; empty values are left out
 * @param init - fetch options
 * @param settings - server connection settings
 */
export async function requestAPI<T>(
  endPoint: string,
  query: Record<string, string | number | undefined> = {},
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') {
      params.set(key, String(value));
    }
  }
  const search = params.toString() ? `?${params.toString()}` : '';
  const url = URLExt.join(settings.baseUrl, 'nbops', 'api', endPoint) + search;
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  const text = await response.text();
  let data: any = text;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    // not JSON: keep the text, e.g. an HTML error page
  }
  if (!response.ok) {
    const message =
      (data && typeof data === 'object' && data.message) ||
      `${response.status} ${response.statusText}`;
    const details = data && typeof data === 'object' ? data : {};
    throw new NbopsAPIError(message, response.status, details);
  }
  return data as T;
}
