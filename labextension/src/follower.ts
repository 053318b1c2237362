import { ServerConnection } from '@jupyterlab/services';
import { Poll } from '@lumino/polling';

import { requestAPI } from './api';
import { errorMessage } from './notify';

/** How often background work on the server is asked about, in ms. */
export const FOLLOW_MS = 1000;

/** What following background work ended with: its last state, or why it was lost. */
export interface IFollowed<T> {
  last: T;
  /** Why the work could not be asked about any more (a failed request), else null. */
  lost: string | null;
}

/**
 * Follow background work on the server (a headless job, a reproduction) with JupyterLab's own
 * poll: ask `endPoint` every `interval` ms while `running(state)` holds, until a request fails.
 * The one place the extension waits on the server; `onUpdate` gets each state still running.
 */
export async function follow<T>(
  endPoint: string,
  first: T,
  running: (state: T) => boolean,
  settings: ServerConnection.ISettings,
  onUpdate: (state: T) => void = () => undefined,
  interval = FOLLOW_MS,
  query: Record<string, string> = {}
): Promise<IFollowed<T>> {
  let last = first;
  let lost: string | null = null;
  if (!running(first)) {
    return { last, lost };
  }
  const poll = new Poll({
    factory: async () => {
      try {
        last = await requestAPI<T>(endPoint, query, {}, settings);
      } catch (error) {
        lost = errorMessage(error);
      }
      if (lost !== null || !running(last)) {
        poll.dispose();
      } else {
        onUpdate(last);
      }
    },
    frequency: { interval, backoff: false },
    standby: 'never'
  });
  await new Promise(resolve => poll.disposed.connect(resolve));
  return { last, lost };
}
