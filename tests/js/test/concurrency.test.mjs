// Concurrency over one JS SDK client.
//
// The SDK's default Kinesis runtime config is NodeHttp2Handler with disableConcurrentStreams: true, i.e. every
// request gets its own prior-knowledge h2c session (connection) that is closed after the response. The first test
// uses that unmodified client. The second keeps the same handler class but passes the SDK's documented
// `requestHandler: { disableConcurrentStreams: false }` option so that all requests share ONE HTTP/2 connection as
// concurrent streams (true multiplexing); it is skipped on kinesalite, which has no HTTP/2.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { lacks, makeClient, startServer, uniqueName } from '../lib/target.mjs';
import { cmpSeq, createActive, describeErr, SEQ_RE } from '../lib/util.mjs';

let server;
let client;
const enc = new TextEncoder();

before(async () => {
  server = await startServer();
  client = await makeClient(server);
});

after(async () => {
  client?.destroy();
  await server?.stop();
});

async function parallelPutRecords(c, name, calls = 20, perCall = 5) {
  const results = await Promise.allSettled(Array.from({ length: calls }, (_, i) => c.send(new PutRecordsCommand({
    StreamName: name,
    Records: Array.from({ length: perCall }, (_, j) => ({ PartitionKey: `c${i}-r${j}`, Data: enc.encode(`call ${i} record ${j}`) })),
  }))));
  const failures = results.filter((r) => r.status === 'rejected').map((r) => describeErr(r.reason));
  assert.deepEqual(failures, [], `${failures.length} of ${calls} parallel PutRecords failed`);
  const seqs = [];
  const byShard = new Map();
  for (const r of results) {
    assert.strictEqual(r.value.FailedRecordCount, 0);
    assert.equal(r.value.Records.length, perCall);
    for (const e of r.value.Records) {
      assert.match(e.SequenceNumber, SEQ_RE);
      seqs.push(e.SequenceNumber);
      if (!byShard.has(e.ShardId)) byShard.set(e.ShardId, []);
      byShard.get(e.ShardId).push(e.SequenceNumber);
    }
  }
  assert.equal(new Set(seqs).size, calls * perCall, 'all sequence numbers must be distinct');
  return { seqs, byShard };
}

async function readAll(c, name) {
  const shards = (await c.send(new ListShardsCommand({ StreamName: name }))).Shards;
  const records = [];
  for (const s of shards) {
    let it = (await c.send(new GetShardIteratorCommand({ StreamName: name, ShardId: s.ShardId, ShardIteratorType: 'TRIM_HORIZON' })))
      .ShardIterator;
    for (let i = 0; i < 20 && it; i++) {
      const r = await c.send(new GetRecordsCommand({ ShardIterator: it }));
      records.push(...r.Records);
      if (r.Records.length === 0 && r.MillisBehindLatest === 0) break;
      it = r.NextShardIterator;
    }
  }
  return { records };
}

async function countRecords(c, name) {
  const shards = (await c.send(new ListShardsCommand({ StreamName: name }))).Shards;
  let total = 0;
  const seen = new Set();
  for (const s of shards) {
    let it = (await c.send(new GetShardIteratorCommand({ StreamName: name, ShardId: s.ShardId, ShardIteratorType: 'TRIM_HORIZON' })))
      .ShardIterator;
    let prev = null;
    for (let i = 0; i < 20 && it; i++) {
      const r = await c.send(new GetRecordsCommand({ ShardIterator: it }));
      for (const rec of r.Records) {
        if (prev !== null) assert.equal(cmpSeq(rec.SequenceNumber, prev), 1, `sequence numbers must increase within ${s.ShardId}`);
        prev = rec.SequenceNumber;
        seen.add(rec.SequenceNumber);
      }
      total += r.Records.length;
      if (r.Records.length === 0 && r.MillisBehindLatest === 0) break;
      it = r.NextShardIterator;
    }
  }
  return { total, seen };
}

describe('parallel requests', () => {
  test('the Sluice client is the SDK default: HTTP/2 handler, one session per request', { skip: lacks('http2') }, () => {
    const h = client.config.requestHandler;
    assert.equal(h.constructor.name, 'NodeHttp2Handler');
    assert.equal(h.metadata?.handlerProtocol, 'h2');
  });

  test('20 parallel PutRecords over the default client all succeed with distinct sequence numbers', async () => {
    const name = uniqueName('par');
    await createActive(client, { StreamName: name, ShardCount: 4 });
    const { seqs } = await parallelPutRecords(client, name);
    const { total, seen } = await countRecords(client, name);
    assert.equal(total, 100, 'every record written in parallel is readable exactly once');
    for (const s of seqs) assert.ok(seen.has(s), `sequence number ${s} not found when reading back`);
  });

  test('20 parallel PutRecords multiplexed as streams of ONE HTTP/2 connection', { skip: lacks('http2') }, async () => {
    const mux = await makeClient(server, { requestHandler: { disableConcurrentStreams: false } });
    try {
      const name = uniqueName('mux');
      await createActive(mux, { StreamName: name, ShardCount: 4 });
      const { seqs } = await parallelPutRecords(mux, name);
      // Mixed operations in parallel on the same connection.
      const mixed = await Promise.allSettled([
        ...Array.from({ length: 10 }, () => mux.send(new DescribeStreamSummaryCommand({ StreamName: name }))),
        ...Array.from({ length: 10 }, (_, i) => mux.send(new PutRecordCommand({ StreamName: name, PartitionKey: `m${i}`, Data: enc.encode('m') }))),
        ...Array.from({ length: 5 }, () => mux.send(new ListShardsCommand({ StreamName: name }))),
      ]);
      const failures = mixed.filter((r) => r.status === 'rejected').map((r) => describeErr(r.reason));
      assert.deepEqual(failures, [], 'mixed parallel requests on one connection failed');
      const { total, seen } = await countRecords(mux, name);
      assert.equal(total, 110);
      for (const s of seqs) assert.ok(seen.has(s));

      const handler = mux.config.requestHandler;
      const pools = handler.connectionManager?.debug?.();
      if (pools) {
        const sessions = Object.values(pools).flatMap((p) => p.sessions);
        assert.equal(sessions.length, 1, `expected one HTTP/2 session, got ${JSON.stringify(sessions)}`);
        assert.ok(sessions[0].totalRequests >= 46, `requests on the session: ${sessions[0].totalRequests}`);
        assert.ok(sessions[0].maxConcurrent >= 2, `streams were not concurrent: ${JSON.stringify(sessions[0])}`);
      }
    } finally {
      mux.destroy();
    }
  });

  test('8 parallel ~900 KiB PutRecord + parallel reads on ONE HTTP/2 connection (flow control under multiplexing)',
    { skip: lacks('http2') }, async () => {
      const mux = await makeClient(server, { requestHandler: { disableConcurrentStreams: false } });
      try {
        const name = uniqueName('muxbig');
        await createActive(mux, { StreamName: name, ShardCount: 2 });
        const payloads = Array.from({ length: 8 }, (_, k) => {
          const d = new Uint8Array(900 * 1024);
          for (let i = 0; i < d.length; i++) d[i] = (i * (k + 3) + k) & 0xff;
          return d;
        });
        const puts = await Promise.allSettled(payloads.map((Data, k) => mux.send(new PutRecordCommand({
          StreamName: name, PartitionKey: `big-${k}`, Data,
        }))));
        const failures = puts.filter((r) => r.status === 'rejected').map((r) => describeErr(r.reason));
        assert.deepEqual(failures, [], 'parallel large PutRecord failed');
        // Read each record back in parallel (one GetShardIterator + GetRecords per record).
        const reads = await Promise.allSettled(puts.map(async (p) => {
          const it = await mux.send(new GetShardIteratorCommand({
            StreamName: name, ShardId: p.value.ShardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER',
            StartingSequenceNumber: p.value.SequenceNumber,
          }));
          const r = await mux.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator, Limit: 1 }));
          return r.Records[0];
        }));
        const readFailures = reads.filter((r) => r.status === 'rejected').map((r) => describeErr(r.reason));
        assert.deepEqual(readFailures, [], 'parallel large GetRecords failed');
        reads.forEach((r, k) => {
          assert.equal(r.value?.SequenceNumber, puts[k].value.SequenceNumber);
          assert.ok(Buffer.from(r.value.Data).equals(Buffer.from(payloads[k])), `record ${k} bytes differ`);
        });
      } finally {
        mux.destroy();
      }
    });

  test('requests aborted mid-upload (RST_STREAM) leave the connection and the server usable', { skip: lacks('http2') }, async () => {
    const mux = await makeClient(server, { requestHandler: { disableConcurrentStreams: false } });
    try {
      const name = uniqueName('abort');
      await createActive(mux, { StreamName: name, ShardCount: 1 });
      const big = new Uint8Array(900 * 1024).fill(7);
      // Spread abort times over the ~50 ms the uploads take here, so some streams are reset mid-body and some
      // requests may complete; either outcome is fine, only the aftermath is checked.
      const aborted = await Promise.allSettled([5, 10, 20, 30, 40, 60, 90, 150].map((delay, k) => {
        const ac = new AbortController();
        setTimeout(() => ac.abort(), delay);
        return mux.send(new PutRecordCommand({ StreamName: name, PartitionKey: `aborted-${k}`, Data: big }), { abortSignal: ac.signal });
      }));
      const unexpected = aborted.filter((r) => r.status === 'rejected' && r.reason?.name !== 'AbortError')
        .map((r) => describeErr(r.reason));
      assert.deepEqual(unexpected, [], 'aborted requests should fail only with AbortError');
      // The same connection keeps serving concurrent requests.
      const after1 = await Promise.allSettled(Array.from({ length: 10 }, (_, k) => mux.send(new PutRecordCommand({
        StreamName: name, PartitionKey: `after${k}`, Data: enc.encode(`after ${k}`),
      }))));
      const failures = after1.filter((r) => r.status === 'rejected').map((r) => describeErr(r.reason));
      assert.deepEqual(failures, [], 'requests after the aborted ones failed');
      const sessions = Object.values(mux.config.requestHandler.connectionManager?.debug?.() ?? {}).flatMap((p) => p.sessions);
      if (sessions.length) assert.equal(sessions.length, 1, 'the server should not have closed the connection because of stream resets');
      // Records that were fully received are readable, the others are absent; nothing is half-written.
      const { records } = await readAll(mux, name);
      for (const r of records) {
        if (r.PartitionKey.startsWith('aborted-')) assert.equal(r.Data.length, big.length, 'partially uploaded record was stored');
      }
      assert.equal(records.filter((r) => r.PartitionKey.startsWith('after')).length, 10);
    } finally {
      mux.destroy();
    }
    // And a fresh default client still works.
    const r = await client.send(new ListShardsCommand({ StreamName: uniqueName('none') })).catch((e) => e);
    assert.equal(r.name, 'ResourceNotFoundException', `server unusable after aborted requests: ${describeErr(r)}`);
  });

  test('200 sequential requests on one multiplexed HTTP/2 connection', { skip: lacks('http2') }, async () => {
    const mux = await makeClient(server, { requestHandler: { disableConcurrentStreams: false } });
    try {
      const name = uniqueName('seq');
      await createActive(mux, { StreamName: name, ShardCount: 1 });
      let prev = null;
      for (let i = 0; i < 200; i++) {
        const r = await mux.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: enc.encode(String(i)) }));
        if (prev) assert.equal(cmpSeq(r.SequenceNumber, prev), 1);
        prev = r.SequenceNumber;
      }
      const sessions = Object.values(mux.config.requestHandler.connectionManager?.debug?.() ?? {}).flatMap((p) => p.sessions);
      if (sessions.length) assert.equal(sessions.length, 1, 'one HTTP/2 session should carry every request');
    } finally {
      mux.destroy();
    }
  });
});
