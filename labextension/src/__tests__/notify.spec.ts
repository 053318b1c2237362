import { Notification } from '@jupyterlab/apputils';

import { PROGRESS_AFTER_MS, PROGRESS_SETTLE_MS, ProgressNote } from '../notify';

const shown = () =>
  Notification.manager.notifications.map(n => `${n.type}: ${n.message}`);

describe('ProgressNote', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    Notification.dismiss();
  });
  afterEach(() => jest.useRealTimers());

  it('shows quick work as its outcome alone: no toast left "in progress"', async () => {
    const note = new ProgressNote('Exporting…');
    await jest.advanceTimersByTimeAsync(PROGRESS_AFTER_MS / 2);
    await note.finish('Exported', 'success');
    await jest.advanceTimersByTimeAsync(PROGRESS_AFTER_MS * 2);
    expect(shown()).toEqual(['success: Exported']);
  });

  it('changes the in-progress notification only once it has been up a moment', async () => {
    const note = new ProgressNote('Promoting…');
    await jest.advanceTimersByTimeAsync(PROGRESS_AFTER_MS);
    expect(shown()).toEqual(['in-progress: Promoting…']);
    let finished = false;
    void note.finish('Promoted', 'success').then(() => (finished = true));
    await jest.advanceTimersByTimeAsync(PROGRESS_SETTLE_MS / 2);
    expect(finished).toBe(false);
    expect(shown()).toEqual(['in-progress: Promoting…']);
    await jest.advanceTimersByTimeAsync(PROGRESS_SETTLE_MS);
    expect(finished).toBe(true);
    expect(shown()).toEqual(['success: Promoted']);
  });

  it('dismisses what it showed, and shows nothing for quick work', async () => {
    const slow = new ProgressNote('Promoting…');
    await jest.advanceTimersByTimeAsync(PROGRESS_AFTER_MS + PROGRESS_SETTLE_MS);
    await slow.dismiss();
    const quick = new ProgressNote('Exporting…');
    await quick.dismiss();
    await jest.advanceTimersByTimeAsync(PROGRESS_AFTER_MS * 2);
    expect(shown()).toEqual([]);
  });
});
