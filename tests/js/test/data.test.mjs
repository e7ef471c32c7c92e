// Data plane through the unmodified JS SDK: PutRecord (hashing, ExplicitHashKey, SequenceNumberForOrdering),
// PutRecords, GetShardIterator of every type, GetRecords (binary round trip, timestamps, MillisBehindLatest, Limit).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { lacks, makeClient, startServer, uniqueName } from '../lib/target.mjs';
import {
  assertOk,
  bytesEqual,
  cmpSeq,
  createActive,
  expectedRanges,
  HASH_MAX,
  readShard,
  SEQ_RE,
  SHARD_ID_RE,
  sleep,
} from '../lib/util.mjs';

let server;
let client;
const enc = new TextEncoder();
const dec = new TextDecoder();

before(async () => {
  server = await startServer();
  client = await makeClient(server);
});

after(async () => {
  client?.destroy();
  await server?.stop();
});

const shardId = (i) => `shardId-${String(i).padStart(12, '0')}`;

describe('PutRecord routing', () => {
  const name = uniqueName('route');
  before(async () => {
    await createActive(client, { StreamName: name, ShardCount: 4 });
  });

  test('partition keys are hashed with MD5 (big-endian 128-bit) onto the shard ranges', async () => {
    // Reference 4.1 vectors: "a" -> 16955...6497 (shard 0 of 4), "partitionKey" -> 19331...9166 (shard 2 of 4).
    const a = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', Data: enc.encode('x') }));
    assertOk(a, 'PutRecord');
    assert.equal(a.ShardId, shardId(0));
    assert.match(a.SequenceNumber, SEQ_RE);
    assert.equal(a.EncryptionType ?? 'NONE', 'NONE');
    const pk = await client.send(new PutRecordCommand({
      StreamName: name, PartitionKey: 'partitionKey', Data: enc.encode('y'),
    }));
    assert.equal(pk.ShardId, shardId(2));
  });

  test('ExplicitHashKey overrides the partition key and selects the shard by range (inclusive bounds)', async () => {
    // Routing must agree with the ranges the server itself reports (the layout is checked in lifecycle/shards).
    const listed = (await client.send(new ListShardsCommand({ StreamName: name }))).Shards;
    assert.equal(listed.length, 4);
    for (let i = 0; i < 4; i++) {
      assert.equal(listed[i].ShardId, shardId(i));
      for (const key of [listed[i].HashKeyRange.StartingHashKey, listed[i].HashKeyRange.EndingHashKey]) {
        const r = await client.send(new PutRecordCommand({
          StreamName: name, PartitionKey: 'a', ExplicitHashKey: key, Data: enc.encode(`ehk-${key}`),
        }));
        assert.equal(r.ShardId, shardId(i), `ExplicitHashKey ${key}`);
      }
    }
    const top = await client.send(new PutRecordCommand({
      StreamName: name, PartitionKey: 'a', ExplicitHashKey: HASH_MAX.toString(), Data: enc.encode('max'),
    }));
    assert.equal(top.ShardId, shardId(3));
  });

  test('Unicode partition keys are hashed as UTF-8 (MD5 computed here) and round-trip', async () => {
    const listed = (await client.send(new ListShardsCommand({ StreamName: name }))).Shards;
    const keys = ['ключ', 'clé', '键', 'emoji-🚀', 'tab\tnewline\n', 'quote"backslash\\', 'z'.repeat(256), 'é'.repeat(256)];
    for (const PartitionKey of keys) {
      const h = BigInt(`0x${createHash('md5').update(PartitionKey, 'utf8').digest('hex')}`);
      const expected = listed.find((s) => BigInt(s.HashKeyRange.StartingHashKey) <= h && h <= BigInt(s.HashKeyRange.EndingHashKey));
      const r = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey, Data: enc.encode(PartitionKey) }));
      assert.equal(r.ShardId, expected.ShardId, `shard for partition key ${JSON.stringify(PartitionKey.slice(0, 20))}`);
      const { records } = await readShard(client, {
        StreamName: name, ShardId: r.ShardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: r.SequenceNumber,
      });
      assert.equal(records[0].PartitionKey, PartitionKey, 'partition key round trip');
      assert.equal(dec.decode(records[0].Data), PartitionKey);
    }
  });

  test('SequenceNumberForOrdering yields strictly increasing sequence numbers', async () => {
    let prev = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'ordered', Data: enc.encode('0') }));
    for (let i = 1; i <= 5; i++) {
      const r = await client.send(new PutRecordCommand({
        StreamName: name, PartitionKey: 'ordered', Data: enc.encode(String(i)), SequenceNumberForOrdering: prev.SequenceNumber,
      }));
      assertOk(r, 'PutRecord with SequenceNumberForOrdering');
      assert.equal(r.ShardId, prev.ShardId);
      assert.equal(cmpSeq(r.SequenceNumber, prev.SequenceNumber), 1,
        `${r.SequenceNumber} should be > ${prev.SequenceNumber}`);
      prev = r;
    }
  });
});

describe('PutRecords', () => {
  const name = uniqueName('batch');
  before(async () => {
    await createActive(client, { StreamName: name, ShardCount: 4 });
  });

  test('per-entry results in request order, FailedRecordCount 0, records readable', async () => {
    const ranges = expectedRanges(4);
    const entries = [];
    for (let i = 0; i < 40; i++) entries.push({ PartitionKey: `key-${i}`, Data: enc.encode(`value-${i}`) });
    entries.push({ PartitionKey: 'x', ExplicitHashKey: ranges[3][0], Data: enc.encode('explicit-3') });
    entries.push({ PartitionKey: 'a', Data: enc.encode('md5-a') });
    const r = await client.send(new PutRecordsCommand({ StreamName: name, Records: entries }));
    assertOk(r, 'PutRecords');
    assert.strictEqual(r.FailedRecordCount, 0, 'FailedRecordCount must be present and 0');
    assert.equal(r.Records.length, entries.length);
    assert.equal(r.EncryptionType ?? 'NONE', 'NONE');
    for (const e of r.Records) {
      assert.match(e.SequenceNumber ?? '', SEQ_RE);
      assert.match(e.ShardId ?? '', SHARD_ID_RE);
      assert.equal(e.ErrorCode, undefined);
      assert.equal(e.ErrorMessage, undefined);
    }
    assert.equal(new Set(r.Records.map((e) => e.SequenceNumber)).size, entries.length, 'sequence numbers must be distinct');
    assert.equal(r.Records[40].ShardId, shardId(3), 'ExplicitHashKey entry');
    assert.equal(r.Records[41].ShardId, shardId(0), 'partition key "a" entry');
    const usedShards = new Set(r.Records.map((e) => e.ShardId));
    assert.ok(usedShards.size >= 3, `40 keys should spread over the 4 shards, used ${[...usedShards]}`);

    // Every record is readable from the shard the response named, with the same sequence number.
    const bySeq = new Map();
    for (const sid of usedShards) {
      const { records } = await readShard(client, { StreamName: name, ShardId: sid, ShardIteratorType: 'TRIM_HORIZON' });
      for (const rec of records) bySeq.set(rec.SequenceNumber, { sid, rec });
    }
    r.Records.forEach((e, i) => {
      const got = bySeq.get(e.SequenceNumber);
      assert.ok(got, `record ${i} (${e.SequenceNumber}) not found in ${e.ShardId}`);
      assert.equal(got.sid, e.ShardId);
      assert.equal(got.rec.PartitionKey, entries[i].PartitionKey);
      assert.equal(dec.decode(got.rec.Data), dec.decode(entries[i].Data));
    });
  });

  test('500 records in one call', async () => {
    const entries = Array.from({ length: 500 }, (_, i) => ({ PartitionKey: `p${i % 17}`, Data: enc.encode(`r${i}`) }));
    const r = await client.send(new PutRecordsCommand({ StreamName: name, Records: entries }));
    assert.strictEqual(r.FailedRecordCount, 0);
    assert.equal(r.Records.length, 500);
    assert.equal(new Set(r.Records.map((e) => e.SequenceNumber)).size, 500);
  });
});

describe('GetShardIterator / GetRecords', () => {
  const name = uniqueName('read');
  const shard = shardId(0);
  const puts = [];
  const payloads = [];
  let tBefore;
  let tAfter;

  before(async () => {
    await createActive(client, { StreamName: name, ShardCount: 1 });
    const all = new Uint8Array(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    payloads.push(all, enc.encode('second'), new Uint8Array([0, 0, 255, 0]), enc.encode('fourth ✓ utf-8'));
    tBefore = Date.now();
    for (let i = 0; i < payloads.length; i++) {
      // Spread arrival times so AT_TIMESTAMP can tell records apart.
      if (i > 0) await sleep(30);
      puts.push(await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: `pk-${i}`, Data: payloads[i] })));
    }
    tAfter = Date.now();
    for (let i = 1; i < puts.length; i++) {
      assert.equal(cmpSeq(puts[i].SequenceNumber, puts[i - 1].SequenceNumber), 1, 'sequence numbers increase per shard');
    }
  });

  test('TRIM_HORIZON returns every record with identical bytes, keys, sequence numbers and Date timestamps', async () => {
    const it = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' }));
    assertOk(it, 'GetShardIterator');
    assert.ok(typeof it.ShardIterator === 'string' && it.ShardIterator.length >= 1 && it.ShardIterator.length <= 512,
      `ShardIterator length ${it.ShardIterator?.length}`);
    const r = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
    assertOk(r, 'GetRecords');
    assert.equal(r.Records.length, payloads.length);
    r.Records.forEach((rec, i) => {
      assert.ok(rec.Data instanceof Uint8Array, 'Data should deserialize to a Uint8Array');
      assert.ok(bytesEqual(rec.Data, payloads[i]), `record ${i} bytes differ`);
      assert.equal(rec.PartitionKey, `pk-${i}`);
      assert.equal(rec.SequenceNumber, puts[i].SequenceNumber);
      assert.ok(rec.ApproximateArrivalTimestamp instanceof Date, 'ApproximateArrivalTimestamp should be a Date');
      const t = rec.ApproximateArrivalTimestamp.getTime();
      assert.ok(t >= tBefore - 2000 && t <= tAfter + 2000,
        `ApproximateArrivalTimestamp ${rec.ApproximateArrivalTimestamp.toISOString()} outside the put window`);
      assert.equal(rec.EncryptionType ?? 'NONE', 'NONE');
    });
    // Every byte value 0..255 survives base64 + JSON.
    assert.deepEqual([...r.Records[0].Data], Array.from({ length: 256 }, (_, i) => i));
    assert.equal(r.MillisBehindLatest, 0, 'caught up to the tip');
    assert.ok(typeof r.NextShardIterator === 'string' && r.NextShardIterator.length > 0, 'open shard keeps an iterator');
    // Reading on from the tip gives nothing new.
    const r2 = await client.send(new GetRecordsCommand({ ShardIterator: r.NextShardIterator }));
    assert.equal(r2.Records.length, 0);
    assert.equal(r2.MillisBehindLatest, 0);
    assert.ok(r2.NextShardIterator);
  });

  test('an iterator can be reused within its lifetime', async () => {
    const it = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' }));
    const a = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator, Limit: 2 }));
    const b = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator, Limit: 2 }));
    assert.deepEqual(a.Records.map((x) => x.SequenceNumber), b.Records.map((x) => x.SequenceNumber));
  });

  test('AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER', async () => {
    const at = await readShard(client, {
      StreamName: name, ShardId: shard, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: puts[1].SequenceNumber,
    });
    assert.deepEqual(at.records.map((r) => r.SequenceNumber), puts.slice(1).map((p) => p.SequenceNumber));
    const afterIt = await readShard(client, {
      StreamName: name, ShardId: shard, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: puts[1].SequenceNumber,
    });
    assert.deepEqual(afterIt.records.map((r) => r.SequenceNumber), puts.slice(2).map((p) => p.SequenceNumber));
    const afterLast = await readShard(client, {
      StreamName: name, ShardId: shard, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: puts.at(-1).SequenceNumber,
    });
    assert.equal(afterLast.records.length, 0);
  });

  test('AT_TIMESTAMP with a Date: at a record\'s arrival time, and before the trim horizon', async () => {
    const th = await readShard(client, { StreamName: name, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' });
    const arrival2 = th.records[2].ApproximateArrivalTimestamp;
    assert.ok(arrival2 > th.records[1].ApproximateArrivalTimestamp, 'records 1 and 2 must have distinct arrival times');
    const at = await readShard(client, { StreamName: name, ShardId: shard, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: arrival2 });
    assert.deepEqual(at.records.map((r) => r.SequenceNumber), puts.slice(2).map((p) => p.SequenceNumber),
      `AT_TIMESTAMP ${arrival2.toISOString()}`);
    const old = await readShard(client, {
      StreamName: name, ShardId: shard, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(Date.now() - 3600 * 1000),
    });
    assert.deepEqual(old.records.map((r) => r.SequenceNumber), puts.map((p) => p.SequenceNumber));
  });

  test('AT_TIMESTAMP just after the newest record is positioned at the tip',
    { skip: lacks('timestampTip') }, async () => {
    const th = await readShard(client, { StreamName: name, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' });
    const tip = await readShard(client, {
      StreamName: name, ShardId: shard, ShardIteratorType: 'AT_TIMESTAMP',
      Timestamp: new Date(th.records.at(-1).ApproximateArrivalTimestamp.getTime() + 1),
    });
    assert.equal(tip.records.length, 0);
  });

  test('LATEST sees only records written after the iterator was issued', async () => {
    const it = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shard, ShardIteratorType: 'LATEST' }));
    const empty = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
    assert.equal(empty.Records.length, 0);
    assert.equal(empty.MillisBehindLatest, 0);
    const p = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'late', Data: enc.encode('late') }));
    // The original LATEST iterator is a position: it now sees the new record.
    const r = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
    assert.deepEqual(r.Records.map((x) => x.SequenceNumber), [p.SequenceNumber]);
    assert.equal(dec.decode(r.Records[0].Data), 'late');
    puts.push(p);
    payloads.push(enc.encode('late'));
  });

  test('Limit pages through records; MillisBehindLatest > 0 until the tip', async () => {
    const it = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' }));
    let iter = it.ShardIterator;
    const seen = [];
    const lags = [];
    for (let i = 0; i < 20 && iter; i++) {
      const r = await client.send(new GetRecordsCommand({ ShardIterator: iter, Limit: 1 }));
      assert.ok(r.Records.length <= 1, `Limit 1 returned ${r.Records.length}`);
      assert.equal(typeof r.MillisBehindLatest, 'number');
      assert.ok(r.MillisBehindLatest >= 0);
      if (r.Records.length === 0) break;
      seen.push(r.Records[0].SequenceNumber);
      lags.push(r.MillisBehindLatest);
      iter = r.NextShardIterator;
    }
    assert.deepEqual(seen, puts.map((p) => p.SequenceNumber));
    // The first record is >= 90 ms older than the newest one, so the reader is behind.
    if (!lacks('millisBehindLag')) assert.ok(lags[0] > 0, `MillisBehindLatest after reading only the first record: ${lags[0]}`);
    assert.equal(lags.at(-1), 0, 'MillisBehindLatest after reading the newest record');
  });

  test('Limit 3 returns exactly 3 when more are available', async () => {
    const it = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' }));
    const r = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator, Limit: 3 }));
    assert.equal(r.Records.length, 3);
    const r2 = await client.send(new GetRecordsCommand({ ShardIterator: r.NextShardIterator, Limit: 10000 }));
    assert.deepEqual([...r.Records, ...r2.Records].map((x) => x.SequenceNumber), puts.map((p) => p.SequenceNumber));
  });
});

describe('record sizes', () => {
  const name = uniqueName('size');
  before(async () => {
    await createActive(client, { StreamName: name, ShardCount: 1 });
  });

  test('empty Data round-trips', async () => {
    const p = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'empty', Data: new Uint8Array(0) }));
    const { records } = await readShard(client, {
      StreamName: name, ShardId: p.ShardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: p.SequenceNumber,
    });
    assert.equal(records[0].SequenceNumber, p.SequenceNumber);
    assert.equal(records[0].Data.length, 0);
  });

  test('a record just under 1 MiB round-trips (large HTTP/2 bodies in both directions)', async () => {
    const data = new Uint8Array(1024 * 1024 - 64);
    for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
    const p = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'big', Data: data }));
    assertOk(p, 'PutRecord ~1 MiB');
    const p2 = await client.send(new PutRecordsCommand({
      StreamName: name, Records: [{ PartitionKey: 'big2', Data: data }, { PartitionKey: 'big3', Data: data }],
    }));
    assert.strictEqual(p2.FailedRecordCount, 0);
    const { records } = await readShard(client, {
      StreamName: name, ShardId: p.ShardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: p.SequenceNumber,
    });
    assert.equal(records.length, 3);
    for (const r of records) assert.ok(bytesEqual(r.Data, data), 'large record bytes differ');
  });
});
