// The group commit's queue: batching while statements are in flight, order of answers,
// a failed batch retried item by item, and the bound on waiting items.
import { expect } from 'chai';
import { GroupCommit } from '../../platform/db/group-commit.js';
import { TickBatch } from '../../platform/tick-batch.js';

const OPTIONS = { maxBatch: 10, maxQueued: 25, concurrency: 1, overloaded: 'busy' };

describe('group commit and tick batches', () => {
  it('writes what arrives during a statement together, answering each caller with its own result', async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit<number, string>(async (items) => {
      batches.push(items);
      await new Promise((r) => setTimeout(r, 20));
      return items.map((n) => `done ${n}`);
    }, OPTIONS);
    const answers = await Promise.all(Array.from({ length: 23 }, (_, i) => commit.submit(i)));
    expect(answers).to.deep.equal(Array.from({ length: 23 }, (_, i) => `done ${i}`));
    // The first item goes at once; the rest wait and go in batches of at most 10, in order.
    expect(batches.map((b) => b.length)).to.deep.equal([1, 10, 10, 2]);
    expect(batches.flat()).to.deep.equal(Array.from({ length: 23 }, (_, i) => i));
  });

  it('fails only the bad item of a failed batch', async () => {
    const commit = new GroupCommit<number, number>(async (items) => {
      await new Promise((r) => setTimeout(r, 5));
      if (items.includes(13)) throw new Error('13 refused');
      return items.map((n) => n * 2);
    }, OPTIONS);
    const settled = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => commit.submit(i)));
    expect(
      settled.filter((s) => s.status === 'rejected').map((s) => (s as PromiseRejectedResult).reason.message),
    ).to.deep.equal(['13 refused']);
    expect(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))).to.deep.equal(
      Array.from({ length: 20 }, (_, i) => i * 2).filter((n) => n !== 26),
    );
  });

  it('refuses with a 503 and Retry-After once too many items wait', async () => {
    let release: () => void = () => undefined;
    const commit = new GroupCommit<number, number>((items) => new Promise((r) => (release = () => r(items))), OPTIONS);
    const first = commit.submit(0); // in flight
    const waiting = Array.from({ length: 25 }, (_, i) => commit.submit(i + 1));
    const refused = await commit.submit(99).then(
      () => null,
      (err: { status: number; retryAfterSeconds: number; message: string }) => err,
    );
    expect(refused).to.include({ status: 503, message: 'busy', retryAfterSeconds: 1 });
    release();
    expect(await first).to.equal(0);
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r));
      release();
    }
    expect(await Promise.all(waiting)).to.have.length(25);
  });

  it('counts items by weight (a request with many rows) against the batch and the bound', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const commit = new GroupCommit<number[], number>(
      (items) => {
        batches.push(items.map((rows) => rows.length));
        return new Promise((r) => (release = () => r(items.map((rows) => rows.length))));
      },
      { ...OPTIONS, weight: (rows) => rows.length },
    );
    const rows = (n: number) => Array.from({ length: n }, () => 0);
    const first = commit.submit(rows(4)); // in flight
    const waiting = [commit.submit(rows(6)), commit.submit(rows(5)), commit.submit(rows(12))];
    expect(commit.stats.queued).to.equal(23);
    const refused = await commit.submit(rows(3)).then(
      () => null,
      (err: { status: number }) => err.status,
    );
    expect(refused, '23 waiting + 3 > 25').to.equal(503);
    for (let i = 0; i < 4; i++) {
      release();
      await new Promise((r) => setImmediate(r));
    }
    expect(await first).to.equal(4);
    expect(await Promise.all(waiting)).to.deep.equal([6, 5, 12]);
    // 6 + 5 is over 10, so they go one at a time; 12 goes alone although it is over the batch size.
    expect(batches).to.deep.equal([[4], [6], [5], [12]]);
  });

  it('fails a whole batch together when told items cannot fail alone', async () => {
    let calls = 0;
    const commit = new GroupCommit<number, number>(
      async (items) => {
        calls++;
        await new Promise((r) => setTimeout(r, 5));
        throw new Error(`database down (${items.length})`);
      },
      { ...OPTIONS, retryEachOnFailure: false },
    );
    const settled = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => commit.submit(i)));
    expect(settled.every((s) => s.status === 'rejected')).to.equal(true);
    expect(calls, 'one statement for the first item, one for the five that waited, none again').to.equal(2);
  });

  it('hands what is added in one turn of the event loop to one flush', async () => {
    const flushes: number[][] = [];
    const batch = new TickBatch<number>(async (items) => void flushes.push(items));
    await Promise.all([batch.add(1), batch.add(2, 3), batch.add(4)]);
    await batch.add(5);
    expect(flushes).to.deep.equal([[1, 2, 3, 4], [5]]);
  });
});
