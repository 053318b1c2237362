import { NbopsAPIError, requestAPI } from '../api';
import { fakeServer } from './fakeServer';

describe('requestAPI', () => {
  it('joins the path, drops empty query values and parses JSON', async () => {
    const { settings, urls } = fakeServer(() => ({
      status: 200,
      body: '{"runs": []}'
    }));
    const body = await requestAPI(
      'runs',
      { notebook: 'a b.ipynb', limit: 5, sort: '' },
      {},
      settings
    );
    expect(body).toEqual({ runs: [] });
    expect(urls).toEqual([
      'http://localhost:8888/nbops/api/runs?notebook=a+b.ipynb&limit=5'
    ]);
  });

  it('turns an error answer into NbopsAPIError with the server message', async () => {
    const { settings } = fakeServer(() => ({
      status: 400,
      body: '{"message": "The query argument limit=\'x\' is not valid."}'
    }));
    const error = await requestAPI<never>('runs', {}, {}, settings).catch(
      (e: NbopsAPIError) => e
    );
    expect(error).toBeInstanceOf(NbopsAPIError);
    expect(error.status).toBe(400);
    expect(error.message).toBe("The query argument limit='x' is not valid.");
  });

  it('keeps the status line when the error is not JSON', async () => {
    const { settings } = fakeServer(() => ({
      status: 404,
      body: '<html>Not Found</html>'
    }));
    const error = await requestAPI<never>('runs', {}, {}, settings).catch(
      (e: NbopsAPIError) => e
    );
    expect(error.status).toBe(404);
    expect(error.message).toBe('404 Error');
  });

  it("keeps the rest of an error's JSON answer, such as what a 409 asks to confirm", async () => {
    const { settings } = fakeServer(() => ({
      status: 409,
      body: JSON.stringify({
        message: 'Promoting this run loads models that you did not register.',
        confirm: ["the candidate run 12ab's model, registered by bob"]
      })
    }));
    const error = await requestAPI<never>(
      'runs/x/promote',
      {},
      {},
      settings
    ).catch((e: NbopsAPIError) => e);
    expect(error.status).toBe(409);
    expect(error.details.confirm).toEqual([
      "the candidate run 12ab's model, registered by bob"
    ]);
  });
});
