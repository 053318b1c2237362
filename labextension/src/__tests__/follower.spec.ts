import { follow } from '../follower';
import { fakeServer } from './fakeServer';

interface IWork {
  status: string;
  done: number;
}

describe('follow', () => {
  it('asks until the work stops running, reporting each running state', async () => {
    const states = [
      { status: 'RUNNING', done: 1 },
      { status: 'RUNNING', done: 2 },
      { status: 'FINISHED', done: 3 }
    ];
    const { settings, urls } = fakeServer(() => ({
      status: 200,
      body: JSON.stringify(states.shift())
    }));
    const seen: number[] = [];
    const followed = await follow<IWork>(
      'jobs/abc',
      { status: 'RUNNING', done: 0 },
      work => work.status === 'RUNNING',
      settings,
      work => seen.push(work.done),
      10
    );
    expect(followed).toEqual({
      last: { status: 'FINISHED', done: 3 },
      lost: null
    });
    expect(seen).toEqual([1, 2]);
    expect(urls.every(url => url.includes('/nbops/api/jobs/abc'))).toBe(true);
    expect(urls).toHaveLength(3);
  });

  it('stops at a failed request and says why, keeping the last state', async () => {
    const { settings } = fakeServer(() => ({
      status: 500,
      body: JSON.stringify({ message: 'The store went away.' })
    }));
    const first = { status: 'RUNNING', done: 4 };
    const followed = await follow<IWork>(
      'jobs/abc',
      first,
      work => work.status === 'RUNNING',
      settings,
      undefined,
      10
    );
    expect(followed.last).toBe(first);
    expect(followed.lost).toContain('The store went away.');
  });

  it('asks nothing about work that is not running', async () => {
    const { settings, urls } = fakeServer(() => ({ status: 200, body: '{}' }));
    const done = { status: 'FINISHED', done: 1 };
    expect(await follow('jobs/abc', done, () => false, settings)).toEqual({
      last: done,
      lost: null
    });
    expect(urls).toEqual([]);
  });
});
