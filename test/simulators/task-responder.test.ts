import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { FAST_DISPATCH, incidentTown, inGrid, runWorkers } from '../helpers/incidents.js';
import { TaskResponder } from '../../scripts/simulators/gridworkers/task-responder.js';
import { sleep } from '../helpers/system.js';

describe('simulated phones answer offered incidents', () => {
  let t: TestApi;
  after(() => t.close());

  it('hears the offer on its push stream, accepts, handles and records the revisit', async () => {
    t = await startTestApi('task-responder', FAST_DISPATCH);
    const town = await incidentTown(t, 1);
    await town.place(0, inGrid(0, 0));
    const workers = runWorkers(t);
    const responder = new TaskResponder({
      apiUrl: t.api.url,
      tokens: new Map([[town.phones[0]!.identifier, town.phones[0]!.token]]),
      acceptShare: 1,
      answerAfterMs: [50, 100],
      workMs: [100, 200],
    });
    responder.start();
    try {
      await sleep(300); // the phone connects
      const made = await town.dispatcher.post('/api/incidents', {
        subcategory: 'services.streetlight',
        description: '路灯不亮',
        ...inGrid(0, 0),
      });
      let incident = made.body.incident;
      for (let i = 0; i < 50 && incident.state !== 'verified'; i++) {
        await sleep(100);
        incident = (await town.dispatcher.get(`/api/incidents/${incident.id}`)).body.incident;
      }
      expect(incident).to.include({ state: 'verified' });
      expect(incident.rating).to.be.within(4, 5);
      expect(responder.counts).to.include({ offers: 1, accepted: 1, handled: 1, errors: 0 });
    } finally {
      await responder.stop();
      await workers.close();
    }
  });
});
