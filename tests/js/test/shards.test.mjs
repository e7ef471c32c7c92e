// ListShards through the unmodified JS SDK: full listing, MaxResults / NextToken paging, ExclusiveStartShardId,
// ShardFilter types. Note: @aws-sdk/client-kinesis 3.1143.0 ships no paginateListShards (the service model has no
// ListShards paginator because NextToken must be sent without StreamName), so paging is done by hand here the way
// the KPL does it: first page by stream, later pages by NextToken (+ MaxResults) alone.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as sdk from '@aws-sdk/client-kinesis';
import { ListShardsCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { lacks, makeClient, startServer, uniqueName } from '../lib/target.mjs';
import { assertOk, assertShardShape, createActive, expectedRanges, expectError } from '../lib/util.mjs';

let server;
let client;

before(async () => {
  server = await startServer();
  client = await makeClient(server);
});

after(async () => {
  client?.destroy();
  await server?.stop();
});

const shardId = (i) => `shardId-${String(i).padStart(12, '0')}`;

describe('ListShards', () => {
  const name = uniqueName('lsh');
  let created;
  before(async () => {
    created = await createActive(client, { StreamName: name, ShardCount: 7 });
    // A record, so that TRIM_HORIZON / timestamps have something to refer to.
    await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: new Uint8Array([1]) }));
  });

  test('no paging parameters: all shards, ordered, even hash ranges, no NextToken', async () => {
    const r = await client.send(new ListShardsCommand({ StreamName: name }));
    assertOk(r, 'ListShards');
    assert.equal(r.Shards.length, 7);
    const ranges = expectedRanges(7);
    r.Shards.forEach((s, i) => {
      assertShardShape(s);
      assert.equal(s.ShardId, shardId(i));
      assert.deepEqual([s.HashKeyRange.StartingHashKey, s.HashKeyRange.EndingHashKey], ranges[i]);
    });
    assert.equal(r.NextToken, undefined);
  });

  test('ExclusiveStartShardId', async () => {
    const r = await client.send(new ListShardsCommand({ StreamName: name, ExclusiveStartShardId: shardId(4) }));
    assert.deepEqual(r.Shards.map((s) => s.ShardId), [shardId(5), shardId(6)]);
  });

  test('MaxResults + NextToken (NextToken sent alone, optionally with MaxResults)', { skip: lacks('listShardsPaging') },
    async () => {
      const seen = [];
      let r = await client.send(new ListShardsCommand({ StreamName: name, MaxResults: 3 }));
      let pages = 1;
      for (;;) {
        assert.ok(r.Shards.length <= 3, `MaxResults 3 returned ${r.Shards.length}`);
        seen.push(...r.Shards.map((s) => s.ShardId));
        if (!r.NextToken) break;
        assert.ok(pages < 10, 'ListShards paging did not terminate');
        r = await client.send(new ListShardsCommand({ NextToken: r.NextToken, MaxResults: 3 }));
        pages += 1;
      }
      assert.deepEqual(seen, Array.from({ length: 7 }, (_, i) => shardId(i)));
      assert.equal(pages, 3);
      // NextToken alone (no MaxResults) is also accepted.
      const first = await client.send(new ListShardsCommand({ StreamName: name, MaxResults: 5 }));
      assert.ok(first.NextToken, 'NextToken expected with MaxResults 5 of 7');
      const rest = await client.send(new ListShardsCommand({ NextToken: first.NextToken }));
      assert.deepEqual(rest.Shards.map((s) => s.ShardId), [shardId(5), shardId(6)]);
    });

  test('NextToken together with StreamName -> InvalidArgumentException', { skip: lacks('listShardsPaging') }, async () => {
    const first = await client.send(new ListShardsCommand({ StreamName: name, MaxResults: 2 }));
    assert.ok(first.NextToken);
    await expectError(client.send(new ListShardsCommand({ StreamName: name, NextToken: first.NextToken })),
      'InvalidArgumentException');
  });

  test('paginateListShards is not part of this SDK release (manual paging is what clients do)', () => {
    assert.equal(sdk.paginateListShards, undefined,
      'the SDK now ships paginateListShards: add a test that drives it against the server');
  });

  test('ShardFilter types on a stream without resharding', { skip: lacks('shardFilter') }, async () => {
    const all = Array.from({ length: 7 }, (_, i) => shardId(i));
    const ids = async (ShardFilter) =>
      (await client.send(new ListShardsCommand({ StreamName: name, ShardFilter }))).Shards.map((s) => s.ShardId);
    assert.deepEqual(await ids({ Type: 'AT_LATEST' }), all, 'AT_LATEST');
    assert.deepEqual(await ids({ Type: 'AT_TRIM_HORIZON' }), all, 'AT_TRIM_HORIZON');
    assert.deepEqual(await ids({ Type: 'FROM_TRIM_HORIZON' }), all, 'FROM_TRIM_HORIZON');
    assert.deepEqual(await ids({ Type: 'AFTER_SHARD_ID', ShardId: shardId(4) }), [shardId(5), shardId(6)], 'AFTER_SHARD_ID');
    assert.deepEqual(await ids({ Type: 'AT_TIMESTAMP', Timestamp: new Date() }), all, 'AT_TIMESTAMP now');
    assert.deepEqual(await ids({ Type: 'FROM_TIMESTAMP', Timestamp: new Date(Date.now() - 3600e3) }), all,
      'FROM_TIMESTAMP an hour ago');
    assert.deepEqual(await ids({ Type: 'AT_TIMESTAMP', Timestamp: created.StreamCreationTimestamp }), all,
      'AT_TIMESTAMP at stream creation');
  });

  test('ShardFilter with MaxResults pages and keeps the filter', { skip: lacks('shardFilter') }, async () => {
    const seen = [];
    let r = await client.send(new ListShardsCommand({ StreamName: name, MaxResults: 4, ShardFilter: { Type: 'AT_LATEST' } }));
    seen.push(...r.Shards.map((s) => s.ShardId));
    for (let i = 0; r.NextToken && i < 5; i++) {
      r = await client.send(new ListShardsCommand({ NextToken: r.NextToken, MaxResults: 4 }));
      seen.push(...r.Shards.map((s) => s.ShardId));
    }
    assert.equal(r.NextToken, undefined);
    assert.deepEqual(seen, Array.from({ length: 7 }, (_, i) => shardId(i)));
  });

  test('ShardFilter AFTER_SHARD_ID without ShardId / AT_TIMESTAMP without Timestamp -> InvalidArgumentException',
    { skip: lacks('shardFilter') }, async () => {
      await expectError(client.send(new ListShardsCommand({ StreamName: name, ShardFilter: { Type: 'AFTER_SHARD_ID' } })),
        'InvalidArgumentException');
      await expectError(client.send(new ListShardsCommand({ StreamName: name, ShardFilter: { Type: 'AT_TIMESTAMP' } })),
        'InvalidArgumentException');
    });

  test('unknown stream -> ResourceNotFoundException', async () => {
    await expectError(client.send(new ListShardsCommand({ StreamName: uniqueName('nope') })), 'ResourceNotFoundException');
  });
});
