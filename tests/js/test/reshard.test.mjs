// Resharding through the unmodified JS SDK: SplitShard, MergeShards, UpdateShardCount, and what they change in
// DescribeStream / ListShards (ShardFilter on closed shards) / GetRecords (end of a closed shard, ChildShards).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordCommand,
  SplitShardCommand,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { lacks, makeClient, startServer, uniqueName } from '../lib/target.mjs';
import { assertOk, createActive, expectError, HASH_MAX, SEQ_RE, sleep, waitForStatus } from '../lib/util.mjs';

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
const HALF = (1n << 127n).toString();

async function listIds(StreamName, ShardFilter) {
  const r = await client.send(new ListShardsCommand(ShardFilter ? { StreamName, ShardFilter } : { StreamName }));
  return r.Shards.map((s) => s.ShardId);
}

/** Reads a shard from TRIM_HORIZON until NextShardIterator is absent (closed shard fully read), bounded. */
async function drainClosedShard(StreamName, ShardId) {
  const it = await client.send(new GetShardIteratorCommand({ StreamName, ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
  let iter = it.ShardIterator;
  const records = [];
  let last;
  for (let i = 0; i < 30 && iter; i++) {
    last = await client.send(new GetRecordsCommand({ ShardIterator: iter }));
    records.push(...last.Records);
    iter = last.NextShardIterator;
  }
  assert.equal(iter, undefined, `closed shard ${ShardId} never returned a null NextShardIterator in 30 calls`);
  return { records, last };
}

describe('SplitShard and MergeShards', () => {
  const name = uniqueName('split');
  let beforeSplit;
  let afterSplit;
  const parentSeqs = [];

  before(async () => {
    await createActive(client, { StreamName: name, ShardCount: 1 });
    for (let i = 0; i < 3; i++) {
      parentSeqs.push((await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: `p${i}`, Data: enc.encode(`parent-${i}`) })))
        .SequenceNumber);
    }
    await sleep(50);
    beforeSplit = new Date();
    await sleep(50);
  });

  test('SplitShard', async () => {
    const r = await client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: shardId(0), NewStartingHashKey: HALF }));
    assertOk(r, 'SplitShard');
    await waitForStatus(client, { StreamName: name });
    await sleep(50);
    afterSplit = new Date();
  });

  test('children take the next ids and split the parent range; the parent is closed', { skip: lacks('reshardFidelity') }, async () => {
    const d = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription;
    const byId = Object.fromEntries(d.Shards.map((s) => [s.ShardId, s]));
    assert.deepEqual(Object.keys(byId).sort(), [shardId(0), shardId(1), shardId(2)]);
    const parent = byId[shardId(0)];
    assert.match(parent.SequenceNumberRange.EndingSequenceNumber ?? '', SEQ_RE, 'closed parent has EndingSequenceNumber');
    for (const s of parentSeqs) assert.ok(BigInt(parent.SequenceNumberRange.EndingSequenceNumber) >= BigInt(s));
    const lo = byId[shardId(1)];
    const hi = byId[shardId(2)];
    assert.equal(lo.ParentShardId, shardId(0));
    assert.equal(hi.ParentShardId, shardId(0));
    assert.deepEqual([lo.HashKeyRange.StartingHashKey, lo.HashKeyRange.EndingHashKey], ['0', (BigInt(HALF) - 1n).toString()]);
    assert.deepEqual([hi.HashKeyRange.StartingHashKey, hi.HashKeyRange.EndingHashKey], [HALF, HASH_MAX.toString()]);
    assert.equal(lo.SequenceNumberRange.EndingSequenceNumber, undefined);
    const sum = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
    assert.equal(sum.OpenShardCount, 2);
  });

  test('writes go to the children by hash key', async () => {
    const a = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'x', ExplicitHashKey: '0', Data: enc.encode('lo') }));
    const b = await client.send(new PutRecordCommand({
      StreamName: name, PartitionKey: 'x', ExplicitHashKey: HASH_MAX.toString(), Data: enc.encode('hi'),
    }));
    assert.equal(a.ShardId, shardId(1));
    assert.equal(b.ShardId, shardId(2));
  });

  test('reading the closed parent to its end: NextShardIterator absent and ChildShards', { skip: lacks('childShards') }, async () => {
    const { records, last } = await drainClosedShard(name, shardId(0));
    assert.deepEqual(records.map((r) => r.SequenceNumber), parentSeqs);
    assert.deepEqual(records.map((r) => dec.decode(r.Data)), ['parent-0', 'parent-1', 'parent-2']);
    const children = (last.ChildShards ?? []).slice().sort((x, y) => x.ShardId.localeCompare(y.ShardId));
    assert.deepEqual(children.map((c) => c.ShardId), [shardId(1), shardId(2)], 'ChildShards at the end of the parent');
    for (const c of children) assert.deepEqual(c.ParentShards, [shardId(0)]);
    assert.equal(children[0].HashKeyRange.StartingHashKey, '0');
    assert.equal(children[1].HashKeyRange.StartingHashKey, HALF);
  });

  test('ListShards ShardFilter with a closed shard', { skip: lacks('shardFilter', 'reshardFidelity') }, async () => {
    const all = [shardId(0), shardId(1), shardId(2)];
    assert.deepEqual(await listIds(name), all, 'no filter lists closed shards too');
    assert.deepEqual(await listIds(name, { Type: 'FROM_TRIM_HORIZON' }), all, 'FROM_TRIM_HORIZON');
    assert.deepEqual(await listIds(name, { Type: 'AT_LATEST' }), [shardId(1), shardId(2)], 'AT_LATEST: open shards only');
    assert.deepEqual(await listIds(name, { Type: 'AT_TRIM_HORIZON' }), [shardId(0)], 'AT_TRIM_HORIZON: open at the trim horizon');
    assert.deepEqual(await listIds(name, { Type: 'AFTER_SHARD_ID', ShardId: shardId(0) }), [shardId(1), shardId(2)], 'AFTER_SHARD_ID');
    assert.deepEqual(await listIds(name, { Type: 'AT_TIMESTAMP', Timestamp: beforeSplit }), [shardId(0)], 'AT_TIMESTAMP before the split');
    assert.deepEqual(await listIds(name, { Type: 'AT_TIMESTAMP', Timestamp: afterSplit }), [shardId(1), shardId(2)],
      'AT_TIMESTAMP after the split');
    assert.deepEqual(await listIds(name, { Type: 'FROM_TIMESTAMP', Timestamp: beforeSplit }), all, 'FROM_TIMESTAMP before the split');
    assert.deepEqual(await listIds(name, { Type: 'FROM_TIMESTAMP', Timestamp: afterSplit }), [shardId(1), shardId(2)],
      'FROM_TIMESTAMP after the split');
  });

  test('invalid splits -> InvalidArgumentException / ResourceNotFoundException', { skip: lacks('reshardFidelity') }, async () => {
    // NewStartingHashKey must be strictly inside the shard (start + 1 < key < end).
    await expectError(client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: shardId(1), NewStartingHashKey: '0' })),
      'InvalidArgumentException');
    await expectError(client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: shardId(1), NewStartingHashKey: HALF })),
      'InvalidArgumentException');
    await expectError(client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: shardId(9), NewStartingHashKey: '1000' })),
      'ResourceNotFoundException');
  });

  test('MergeShards of the two adjacent children', { skip: lacks('reshardFidelity') }, async () => {
    const r = await client.send(new MergeShardsCommand({ StreamName: name, ShardToMerge: shardId(1), AdjacentShardToMerge: shardId(2) }));
    assertOk(r, 'MergeShards');
    await waitForStatus(client, { StreamName: name });
    const shards = (await client.send(new ListShardsCommand({ StreamName: name }))).Shards;
    const merged = shards.find((s) => s.ShardId === shardId(3));
    assert.ok(merged, `merged child ${shardId(3)} missing: ${shards.map((s) => s.ShardId)}`);
    assert.equal(merged.ParentShardId, shardId(1));
    assert.equal(merged.AdjacentParentShardId, shardId(2));
    assert.deepEqual([merged.HashKeyRange.StartingHashKey, merged.HashKeyRange.EndingHashKey], ['0', HASH_MAX.toString()]);
    const sum = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
    assert.equal(sum.OpenShardCount, 1);
    const p = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'after-merge', Data: enc.encode('m') }));
    assert.equal(p.ShardId, shardId(3));
    // Both parents end with ChildShards naming the merged shard with both parents.
    for (const parent of lacks('childShards') ? [] : [shardId(1), shardId(2)]) {
      const { last } = await drainClosedShard(name, parent);
      assert.deepEqual((last.ChildShards ?? []).map((c) => c.ShardId), [shardId(3)], `ChildShards at the end of ${parent}`);
      assert.deepEqual([...last.ChildShards[0].ParentShards].sort(), [shardId(1), shardId(2)]);
    }
  });
});

describe('MergeShards errors', () => {
  test('non-adjacent shards -> InvalidArgumentException', async () => {
    const name = uniqueName('merge-bad');
    await createActive(client, { StreamName: name, ShardCount: 3 });
    await expectError(client.send(new MergeShardsCommand({ StreamName: name, ShardToMerge: shardId(0), AdjacentShardToMerge: shardId(2) })),
      'InvalidArgumentException');
  });
});

describe('UpdateShardCount', { skip: lacks('updateShardCount') }, () => {
  test('UNIFORM_SCALING from 2 to 4 open shards that tile the hash space', async () => {
    const name = uniqueName('usc');
    await createActive(client, { StreamName: name, ShardCount: 2 });
    const r = await client.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING' }));
    assertOk(r, 'UpdateShardCount');
    assert.equal(r.StreamName, name);
    assert.equal(r.CurrentShardCount, 2);
    assert.equal(r.TargetShardCount, 4);
    await waitForStatus(client, { StreamName: name }, 'ACTIVE', 30000);
    const sum = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
    assert.equal(sum.OpenShardCount, 4);
    const open = (await client.send(new ListShardsCommand({ StreamName: name }))).Shards
      .filter((s) => s.SequenceNumberRange.EndingSequenceNumber === undefined)
      .sort((a, b) => (BigInt(a.HashKeyRange.StartingHashKey) < BigInt(b.HashKeyRange.StartingHashKey) ? -1 : 1));
    assert.equal(open.length, 4);
    assert.equal(open[0].HashKeyRange.StartingHashKey, '0');
    assert.equal(open.at(-1).HashKeyRange.EndingHashKey, HASH_MAX.toString());
    for (let i = 1; i < open.length; i++) {
      assert.equal(BigInt(open[i].HashKeyRange.StartingHashKey), BigInt(open[i - 1].HashKeyRange.EndingHashKey) + 1n,
        'open shards must tile the hash key space without gaps or overlaps');
    }
  });
});
