// The closed loop's rules, asked as the services ask them: who may do what from where.
import { expect } from 'chai';
import type { Actor, IncidentState } from '../../../incidents/model.js';
import {
  ACTIONS,
  availableActions,
  decide,
  transitions,
  type TransitionContext,
} from '../../../incidents/state-machine.js';

const worker: Actor = { kind: 'system', label: 'dispatcher worker' };
const dispatcher: Actor = { kind: 'account', accountId: 1, personId: null, commandRoom: true, label: '调度员' };
const gridworker: Actor = { kind: 'phone', personId: 7, deviceId: 3, label: '张网格' };
const otherGridworker: Actor = { kind: 'phone', personId: 8, deviceId: 4, label: '李网格' };
const citizen: Actor = { kind: 'citizen', clientId: 1, label: '12345' };

const at = (state: IncidentState, held: Partial<TransitionContext> = {}): TransitionContext => ({
  state,
  assigneePersonId: null,
  offereePersonId: null,
  ...held,
});

describe('the incident state machine', () => {
  it('walks the usual loop: reported → dispatched → accepted → in progress → handled → verified → closed', () => {
    const steps: [Actor, Parameters<typeof decide>[0], TransitionContext][] = [
      [worker, 'dispatch', at('reported')],
      [gridworker, 'accept', at('dispatched', { offereePersonId: 7 })],
      [gridworker, 'start', at('accepted', { assigneePersonId: 7 })],
      [gridworker, 'handle', at('in_progress', { assigneePersonId: 7 })],
      [gridworker, 'verify', at('handled', { assigneePersonId: 7 })],
      [dispatcher, 'close', at('verified', { assigneePersonId: 7 })],
    ];
    expect(steps.map(([actor, action, ctx]) => decide(action, actor, ctx))).to.deep.equal(
      ['dispatched', 'accepted', 'in_progress', 'handled', 'verified', 'closed'].map((to) => ({ ok: true, to })),
    );
  });

  it('refuses a step from the wrong state as illegal, naming the states it is allowed from', () => {
    const verdict = decide('close', dispatcher, at('reported'));
    expect(verdict).to.deep.include({ ok: false, reason: 'illegal' });
    expect(verdict.ok || verdict.message).to.contain('verified');
    expect(decide('settle', gridworker, at('dispatched'))).to.deep.include({ ok: false, reason: 'illegal' });
  });

  it('refuses a step by the wrong person as not allowed', () => {
    expect(decide('accept', otherGridworker, at('dispatched', { offereePersonId: 7 }))).to.deep.include({
      ok: false,
      reason: 'not_allowed',
    });
    expect(decide('close', gridworker, at('verified', { assigneePersonId: 7 }))).to.deep.include({
      ok: false,
      reason: 'not_allowed',
    });
    expect(decide('dispatch', citizen, at('reported'))).to.deep.include({ ok: false, reason: 'not_allowed' });
  });

  it('lets the dispatcher worker offer only what is new or on offer; the command room sends again', () => {
    for (const state of ['escalated', 'returned'] as const) {
      expect(decide('dispatch', worker, at(state))).to.deep.include({ ok: false, reason: 'not_allowed' });
      expect(decide('dispatch', dispatcher, at(state))).to.deep.equal({ ok: true, to: 'dispatched' });
    }
    expect(decide('dispatch', worker, at('dispatched'))).to.deep.equal({ ok: true, to: 'dispatched' });
  });

  it('places an unlocated call on the map, and merges it, but dispatches nothing before', () => {
    expect(decide('place', dispatcher, at('unlocated'))).to.deep.equal({ ok: true, to: 'reported' });
    expect(decide('merge', dispatcher, at('unlocated'))).to.deep.equal({ ok: true, to: 'merged' });
    expect(decide('dispatch', dispatcher, at('unlocated'))).to.deep.include({ ok: false, reason: 'illegal' });
  });

  it('offers the buttons an actor may press now, never settle, and none on a closed or merged incident', () => {
    expect(availableActions(gridworker, at('accepted', { assigneePersonId: 7 }))).to.deep.equal([
      'start',
      'handle',
      'escalate',
    ]);
    expect(availableActions(dispatcher, at('reported'))).to.deep.equal(['dispatch', 'escalate', 'merge']);
    for (const state of ['closed', 'merged'] as const) {
      for (const actor of [worker, dispatcher, gridworker])
        expect(availableActions(actor, at(state, { assigneePersonId: 7 }))).to.deep.equal([]);
    }
  });

  it('lists as rows exactly the steps it allows, once each', () => {
    const rows = transitions();
    const keys = rows.map((t) => `${t.action} ${t.from} ${t.party}`);
    expect(new Set(keys).size).to.equal(keys.length);
    expect(new Set(rows.map((t) => t.action))).to.deep.equal(new Set(ACTIONS));
    expect(rows).to.deep.include({ action: 'settle', from: 'reported', party: 'assignee', to: 'closed' });
    expect(rows).not.to.deep.include({ action: 'dispatch', from: 'escalated', party: 'system', to: 'dispatched' });
  });
});
