// Stream lifecycle through the unmodified @aws-sdk/client-kinesis v3 client:
// CreateStream (ShardCount, StreamModeDetails, Tags, MaxRecordSizeInKiB), DescribeStream paging,
// DescribeStreamSummary, ListStreams (+ paginateListStreams), retention, DescribeLimits,
// DescribeAccountSettings, UpdateMaxRecordSize, DeleteStream, waiters.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeleteStreamCommand,
  DescribeAccountSettingsCommand,
  DescribeLimitsCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  PutRecordsCommand,
  UpdateMaxRecordSizeCommand,
  paginateListStreams,
  waitUntilStreamExists,
  waitUntilStreamNotExists,
} from '@aws-sdk/client-kinesis';
import { lacks, makeClient, startServer, streamArn, TARGET, uniqueName } from '../lib/target.mjs';
import {
  assertOk,
  assertShardShape,
  bytesEqual,
  createActive,
  describeErr,
  expectError,
  expectedRanges,
  readShard,
  sleep,
  waitForStatus,
} from '../lib/util.mjs';

const ARN_RE = /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/\S+$/;

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

function assertArn(arn, name) {
  assert.match(arn, ARN_RE);
  if (TARGET === 'sluice') assert.equal(arn, streamArn(name));
  else assert.ok(arn.endsWith(`:stream/${name}`), arn);
}

describe('CreateStream / DescribeStreamSummary', () => {
  test('provisioned stream with ShardCount reaches ACTIVE and the summary is complete', async () => {
    const name = uniqueName('life');
    const t0 = Date.now();
    const created = await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 3 }));
    assertOk(created, 'CreateStream');
    const first = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    assertOk(first, 'DescribeStreamSummary');
    assert.ok(['CREATING', 'ACTIVE'].includes(first.StreamDescriptionSummary.StreamStatus),
      `status right after CreateStream: ${first.StreamDescriptionSummary.StreamStatus}`);
    const s = await waitForStatus(client, { StreamName: name });
    assert.equal(s.StreamName, name);
    assertArn(s.StreamARN, name);
    assert.equal(s.StreamStatus, 'ACTIVE');
    assert.equal(s.RetentionPeriodHours, 24);
    assert.equal(s.OpenShardCount, 3);
    assert.ok(s.StreamCreationTimestamp instanceof Date, 'StreamCreationTimestamp should deserialize to a Date');
    assert.ok(Math.abs(s.StreamCreationTimestamp.getTime() - t0) < 60000,
      `StreamCreationTimestamp ${s.StreamCreationTimestamp.toISOString()} is not close to now`);
    assert.ok(Array.isArray(s.EnhancedMonitoring), 'EnhancedMonitoring should be a list');
    assert.equal(s.EncryptionType ?? 'NONE', 'NONE');
    // Reference 1.8 / 8.10: a StreamId in the summary makes SDK endpoint rules bypass the endpoint override.
    assert.equal(s.StreamId, undefined, 'DescribeStreamSummary must not return StreamId');
    if (!lacks('streamMode')) assert.deepEqual(s.StreamModeDetails, { StreamMode: 'PROVISIONED' });
    if (!lacks('maxRecordSizeDefault')) assert.equal(s.MaxRecordSizeInKiB, 1024, 'default MaxRecordSizeInKiB');
    if (TARGET === 'sluice') assert.equal(s.ConsumerCount ?? 0, 0);
  });

  test('explicit PROVISIONED StreamModeDetails', { skip: lacks('streamMode') }, async () => {
    const name = uniqueName('prov');
    const s = await createActive(client, {
      StreamName: name, ShardCount: 2, StreamModeDetails: { StreamMode: 'PROVISIONED' },
    });
    assert.equal(s.StreamModeDetails?.StreamMode, 'PROVISIONED');
    assert.equal(s.OpenShardCount, 2);
  });

  test('ON_DEMAND stream via StreamModeDetails', { skip: lacks('streamMode') }, async () => {
    const name = uniqueName('od');
    const s = await createActive(client, { StreamName: name, StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
    assert.equal(s.StreamModeDetails?.StreamMode, 'ON_DEMAND');
    assert.ok(s.OpenShardCount >= 1, `on-demand stream has ${s.OpenShardCount} open shards`);
    const d = await client.send(new DescribeStreamCommand({ StreamName: name }));
    assert.equal(d.StreamDescription.StreamModeDetails?.StreamMode, 'ON_DEMAND');
    // Writable and readable like any stream.
    const put = await client.send(new PutRecordCommand({
      StreamName: name, PartitionKey: 'pk', Data: new TextEncoder().encode('on-demand'),
    }));
    assertOk(put, 'PutRecord on ON_DEMAND stream');
  });

  test('Tags given to CreateStream are visible via ListTagsForStream', { skip: lacks('createTags') }, async () => {
    const name = uniqueName('tagged');
    await createActive(client, { StreamName: name, ShardCount: 1, Tags: { team: 'data', env: 'test' } });
    const r = await client.send(new ListTagsForStreamCommand({ StreamName: name }));
    assertOk(r, 'ListTagsForStream');
    assert.deepEqual(r.Tags, [{ Key: 'env', Value: 'test' }, { Key: 'team', Value: 'data' }]);
    assert.equal(r.HasMoreTags, false);
  });

  test('MaxRecordSizeInKiB given to CreateStream is reported and enforced', { skip: lacks('maxRecordSize') },
    async () => {
      const name = uniqueName('big');
      const s = await createActive(client, { StreamName: name, ShardCount: 1, MaxRecordSizeInKiB: 2048 });
      assert.equal(s.MaxRecordSizeInKiB, 2048);
      // 1.5 MiB fits in a 2048 KiB stream.
      const data = new Uint8Array(1536 * 1024).map((_, i) => (i * 7) & 0xff);
      const put = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: data }));
      assertOk(put, 'PutRecord 1.5 MiB');
      const { records } = await readShard(client,
        { StreamName: name, ShardId: put.ShardId, ShardIteratorType: 'TRIM_HORIZON' });
      assert.equal(records.length, 1);
      assert.ok(bytesEqual(records[0].Data, data), '1.5 MiB record did not round-trip');
      // 3 MiB does not.
      await expectError(client.send(new PutRecordCommand({
        StreamName: name, PartitionKey: 'k', Data: new Uint8Array(3 * 1024 * 1024),
      })), ['ValidationException', 'InvalidArgumentException']);
    });

  test('creating an existing stream name -> ResourceInUseException', async () => {
    const name = uniqueName('dup');
    await createActive(client, { StreamName: name, ShardCount: 1 });
    await expectError(client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 })),
      'ResourceInUseException');
  });

  test('waitUntilStreamExists / waitUntilStreamNotExists (SDK waiters, first poll immediate)', async () => {
    const name = uniqueName('wait');
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    const t0 = Date.now();
    const w = await waitUntilStreamExists({ client, maxWaitTime: 25 }, { StreamName: name });
    assert.equal(w.state, 'SUCCESS', JSON.stringify(w.reason ?? {}).slice(0, 300));
    await client.send(new DeleteStreamCommand({ StreamName: name }));
    const w2 = await waitUntilStreamNotExists({ client, maxWaitTime: 25 }, { StreamName: name });
    assert.equal(w2.state, 'SUCCESS');
    assert.ok(Date.now() - t0 < 25000);
  });
});

describe('DescribeStream', () => {
  test('full description: fields, shard ids, even hash ranges', async () => {
    const name = uniqueName('desc');
    await createActive(client, { StreamName: name, ShardCount: 5 });
    const full = await client.send(new DescribeStreamCommand({ StreamName: name }));
    assertOk(full, 'DescribeStream');
    const d = full.StreamDescription;
    assert.equal(d.StreamName, name);
    assertArn(d.StreamARN, name);
    assert.equal(d.StreamStatus, 'ACTIVE');
    assert.equal(d.RetentionPeriodHours, 24);
    assert.ok(d.StreamCreationTimestamp instanceof Date);
    assert.ok(Array.isArray(d.EnhancedMonitoring));
    assert.equal(d.HasMoreShards, false);
    assert.equal(d.Shards.length, 5);
    const ranges = expectedRanges(5);
    d.Shards.forEach((sh, i) => {
      assertShardShape(sh);
      assert.equal(sh.ShardId, `shardId-${String(i).padStart(12, '0')}`);
      assert.deepEqual([sh.HashKeyRange.StartingHashKey, sh.HashKeyRange.EndingHashKey], ranges[i],
        `hash range of ${sh.ShardId}`);
      assert.equal(sh.SequenceNumberRange.EndingSequenceNumber, undefined, 'open shard has no EndingSequenceNumber');
      assert.equal(sh.ParentShardId, undefined);
    });
  });

  test('paging with Limit / ExclusiveStartShardId / HasMoreShards', { skip: lacks('describeStreamPaging') }, async () => {
    const name = uniqueName('descp');
    await createActive(client, { StreamName: name, ShardCount: 5 });
    const full = await client.send(new DescribeStreamCommand({ StreamName: name }));
    const d = full.StreamDescription;
    const seen = [];
    let page = await client.send(new DescribeStreamCommand({ StreamName: name, Limit: 2 }));
    let pages = 1;
    for (;;) {
      const sd = page.StreamDescription;
      assert.ok(sd.Shards.length <= 2, `Limit 2 returned ${sd.Shards.length} shards`);
      seen.push(...sd.Shards.map((s) => s.ShardId));
      if (!sd.HasMoreShards) break;
      assert.ok(pages < 10, 'DescribeStream paging did not terminate');
      page = await client.send(new DescribeStreamCommand({
        StreamName: name, Limit: 2, ExclusiveStartShardId: sd.Shards.at(-1).ShardId,
      }));
      pages += 1;
    }
    assert.deepEqual(seen, d.Shards.map((s) => s.ShardId));
    assert.equal(pages, 3);
  });
});

describe('ListStreams', () => {
  const prefix = `ls-${process.pid}`;
  const names = ['a', 'b', 'c', 'd', 'e'].map((x) => `${prefix}-${x}`);
  before(async () => {
    for (const n of names) await client.send(new CreateStreamCommand({ StreamName: n, ShardCount: 1 }));
    for (const n of names) await waitForStatus(client, { StreamName: n });
  });

  test('legacy paging: Limit / HasMoreStreams / ExclusiveStartStreamName, lexicographic order', async () => {
    const all = [];
    let r = await client.send(new ListStreamsCommand({ Limit: 2 }));
    assertOk(r, 'ListStreams');
    let pages = 1;
    for (;;) {
      assert.ok(r.StreamNames.length <= 2);
      all.push(...r.StreamNames);
      if (!r.HasMoreStreams) break;
      assert.ok(pages < 200, 'ListStreams paging did not terminate');
      r = await client.send(new ListStreamsCommand({ Limit: 2, ExclusiveStartStreamName: r.StreamNames.at(-1) }));
      pages += 1;
    }
    assert.deepEqual(all, [...all].sort(), 'StreamNames must be in lexicographic order');
    for (const n of names) assert.ok(all.includes(n), `${n} missing from ListStreams`);
    assert.equal(new Set(all).size, all.length, 'duplicate names across pages');
  });

  test('NextToken paging with StreamSummaries', { skip: lacks('listStreamsToken') }, async () => {
    const all = [];
    let r = await client.send(new ListStreamsCommand({ Limit: 2 }));
    let pages = 1;
    for (;;) {
      assert.equal(r.StreamSummaries?.length, r.StreamNames.length, 'StreamSummaries parallel to StreamNames');
      r.StreamSummaries.forEach((s, i) => {
        assert.equal(s.StreamName, r.StreamNames[i]);
        assertArn(s.StreamARN, s.StreamName);
        assert.ok(['CREATING', 'ACTIVE', 'UPDATING', 'DELETING'].includes(s.StreamStatus));
        assert.ok(s.StreamCreationTimestamp instanceof Date, 'StreamSummary.StreamCreationTimestamp should be a Date');
        assert.ok(['PROVISIONED', 'ON_DEMAND'].includes(s.StreamModeDetails?.StreamMode));
      });
      all.push(...r.StreamNames);
      if (!r.HasMoreStreams) {
        assert.equal(r.NextToken, undefined, 'no NextToken on the last page');
        break;
      }
      assert.ok(typeof r.NextToken === 'string' && r.NextToken.length > 0, 'HasMoreStreams without NextToken');
      assert.ok(pages < 200, 'ListStreams paging did not terminate');
      r = await client.send(new ListStreamsCommand({ NextToken: r.NextToken, Limit: 2 }));
      pages += 1;
    }
    assert.deepEqual(all, [...all].sort());
    for (const n of names) assert.ok(all.includes(n), `${n} missing`);
    assert.equal(new Set(all).size, all.length);
  });

  test('paginateListStreams (SDK paginator) visits every stream', { skip: lacks('listStreamsToken') }, async () => {
    const all = [];
    let pages = 0;
    for await (const page of paginateListStreams({ client, pageSize: 2 }, {})) {
      pages += 1;
      assert.ok(pages <= 200, 'paginator did not terminate');
      assert.ok(page.StreamNames.length <= 2);
      all.push(...page.StreamNames);
    }
    assert.ok(pages >= 3, `expected >= 3 pages of 2, got ${pages}`);
    for (const n of names) assert.ok(all.includes(n), `${n} missing`);
    assert.equal(new Set(all).size, all.length);
  });
});

describe('retention', () => {
  test('IncreaseStreamRetentionPeriod / DecreaseStreamRetentionPeriod and their bounds', async () => {
    const name = uniqueName('ret');
    await createActive(client, { StreamName: name, ShardCount: 1 });
    const get = async () =>
      (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary
        .RetentionPeriodHours;
    const inc = await client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 48 }));
    assertOk(inc, 'IncreaseStreamRetentionPeriod');
    await waitForStatus(client, { StreamName: name });
    assert.equal(await get(), 48);
    const dec = await client.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 25 }));
    assertOk(dec, 'DecreaseStreamRetentionPeriod');
    await waitForStatus(client, { StreamName: name });
    assert.equal(await get(), 25);
    // Increase to a lower value / decrease to a higher value -> InvalidArgumentException.
    await expectError(client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 24 })),
      'InvalidArgumentException');
    await expectError(client.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 30 })),
      'InvalidArgumentException');
    // Below the 24 h minimum.
    await expectError(client.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 23 })),
      'InvalidArgumentException');
    assert.equal(await get(), 25);
  });

  test('retention up to 8760 h (365 days) and not beyond', { skip: lacks('modernValidation') }, async () => {
    const name = uniqueName('ret365');
    await createActive(client, { StreamName: name, ShardCount: 1 });
    await client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 8760 }));
    await waitForStatus(client, { StreamName: name });
    const s = await client.send(new DescribeStreamCommand({ StreamName: name }));
    assert.equal(s.StreamDescription.RetentionPeriodHours, 8760);
    await expectError(client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 8761 })),
      'InvalidArgumentException');
    await client.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 24 }));
    await waitForStatus(client, { StreamName: name });
  });
});

describe('account level', () => {
  test('DescribeLimits reports shard usage', { skip: lacks('describeLimits') }, async () => {
    const before = await client.send(new DescribeLimitsCommand({}));
    assertOk(before, 'DescribeLimits');
    for (const k of ['ShardLimit', 'OpenShardCount', 'OnDemandStreamCount', 'OnDemandStreamCountLimit']) {
      assert.equal(typeof before[k], 'number', `DescribeLimits.${k} should be a number`);
      assert.ok(before[k] >= 0, `${k} >= 0`);
    }
    assert.ok(before.ShardLimit >= before.OpenShardCount);
    const name = uniqueName('limits');
    await createActive(client, { StreamName: name, ShardCount: 3 });
    const afterCreate = await client.send(new DescribeLimitsCommand({}));
    assert.equal(afterCreate.OpenShardCount, before.OpenShardCount + 3, 'OpenShardCount after creating 3 shards');
    await client.send(new DeleteStreamCommand({ StreamName: name }));
    if (!lacks('streamMode')) {
      const od = uniqueName('limits-od');
      await createActive(client, { StreamName: od, StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
      const afterOd = await client.send(new DescribeLimitsCommand({}));
      assert.equal(afterOd.OnDemandStreamCount, afterCreate.OnDemandStreamCount + 1, 'OnDemandStreamCount after an ON_DEMAND stream');
      assert.ok(afterOd.OnDemandStreamCountLimit >= afterOd.OnDemandStreamCount);
    }
  });

  test('DescribeAccountSettings', { skip: lacks('accountSettings') }, async () => {
    const r = await client.send(new DescribeAccountSettingsCommand({}));
    assertOk(r, 'DescribeAccountSettings');
    if (r.MinimumThroughputBillingCommitment !== undefined) {
      assert.ok(['ENABLED', 'DISABLED', 'ENABLED_UNTIL_EARLIEST_ALLOWED_END']
        .includes(r.MinimumThroughputBillingCommitment.Status), JSON.stringify(r.MinimumThroughputBillingCommitment));
    }
  });
});

describe('UpdateMaxRecordSize', () => {
  test('raise to 4096 KiB, then a 2 MiB record round-trips (PutRecord and PutRecords)', { skip: lacks('maxRecordSize') },
    async () => {
      const name = uniqueName('umrs');
      const s0 = await createActive(client, { StreamName: name, ShardCount: 1 });
      if (!lacks('maxRecordSizeDefault')) assert.equal(s0.MaxRecordSizeInKiB, 1024);
      const arn = s0.StreamARN;
      const twoMiB = new Uint8Array(2 * 1024 * 1024);
      for (let i = 0; i < twoMiB.length; i++) twoMiB[i] = (i * 31 + (i >> 8)) & 0xff;
      // Before the update a 2 MiB record exceeds the 1024 KiB limit.
      await expectError(client.send(new PutRecordCommand({ StreamARN: arn, PartitionKey: 'k', Data: twoMiB })),
        ['ValidationException', 'InvalidArgumentException']);

      const u = await client.send(new UpdateMaxRecordSizeCommand({ StreamARN: arn, MaxRecordSizeInKiB: 4096 }));
      assertOk(u, 'UpdateMaxRecordSize');
      const s1 = await waitForStatus(client, { StreamARN: arn });
      assert.equal(s1.MaxRecordSizeInKiB, 4096);

      const put = await client.send(new PutRecordCommand({ StreamARN: arn, PartitionKey: 'k', Data: twoMiB }));
      assertOk(put, 'PutRecord 2 MiB');
      const puts = await client.send(new PutRecordsCommand({
        StreamARN: arn, Records: [{ PartitionKey: 'k2', Data: twoMiB }, { PartitionKey: 'k3', Data: new Uint8Array([1]) }],
      }));
      assert.equal(puts.FailedRecordCount, 0);
      const it = await client.send(new GetShardIteratorCommand({
        StreamARN: arn, ShardId: put.ShardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: put.SequenceNumber,
      }));
      const got = [];
      let iter = it.ShardIterator;
      for (let i = 0; i < 10 && got.length < 3 && iter; i++) {
        const r = await client.send(new GetRecordsCommand({ ShardIterator: iter, StreamARN: arn }));
        got.push(...r.Records);
        iter = r.NextShardIterator;
      }
      assert.equal(got.length, 3, `expected 3 records back, got ${got.length}`);
      assert.equal(got[0].SequenceNumber, put.SequenceNumber);
      assert.ok(bytesEqual(got[0].Data, twoMiB), 'PutRecord 2 MiB record did not round-trip');
      assert.ok(bytesEqual(got[1].Data, twoMiB), 'PutRecords 2 MiB record did not round-trip');
      assert.deepEqual([...got[2].Data], [1]);

      // Out of range values (reference 3.1: ValidationException).
      if (!lacks('modelValidation')) {
        await expectError(client.send(new UpdateMaxRecordSizeCommand({ StreamARN: arn, MaxRecordSizeInKiB: 10241 })),
          'ValidationException');
        await expectError(client.send(new UpdateMaxRecordSizeCommand({ StreamARN: arn, MaxRecordSizeInKiB: 1023 })),
          'ValidationException');
      }
    });
});

describe('DeleteStream', () => {
  test('deleted stream answers ResourceNotFoundException everywhere and the name can be reused', async () => {
    const name = uniqueName('del');
    await createActive(client, { StreamName: name, ShardCount: 2 });
    await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', Data: new Uint8Array([1]) }));
    const oldIterator = (await client.send(new GetShardIteratorCommand({
      StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON',
    }))).ShardIterator;
    const del = await client.send(new DeleteStreamCommand({ StreamName: name }));
    assertOk(del, 'DeleteStream');
    const deadline = Date.now() + 15000;
    let lastState;
    for (;;) {
      try {
        const r = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
        lastState = r.StreamDescriptionSummary.StreamStatus;
        assert.equal(lastState, 'DELETING', 'status after DeleteStream');
      } catch (err) {
        if (err.name === 'ResourceNotFoundException') break;
        throw new Error(`unexpected error while waiting for deletion: ${describeErr(err)}`);
      }
      if (Date.now() > deadline) assert.fail(`stream still exists 15 s after DeleteStream (status ${lastState})`);
      await sleep(50);
    }
    await expectError(client.send(new DescribeStreamSummaryCommand({ StreamName: name })), 'ResourceNotFoundException');
    await expectError(client.send(new DescribeStreamCommand({ StreamName: name })), 'ResourceNotFoundException');
    await expectError(client.send(new DeleteStreamCommand({ StreamName: name })), 'ResourceNotFoundException');
    await expectError(client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: new Uint8Array([1]) })),
      'ResourceNotFoundException');
    await expectError(client.send(new GetShardIteratorCommand({
      StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON',
    })), 'ResourceNotFoundException');
    const ls = await client.send(new ListStreamsCommand({ ExclusiveStartStreamName: name.slice(0, -1), Limit: 100 }));
    assert.ok(!ls.StreamNames.includes(name), 'deleted stream still listed');
    // An iterator of the deleted stream is dead.
    await expectError(client.send(new GetRecordsCommand({ ShardIterator: oldIterator })), 'ResourceNotFoundException');
    // The name can be reused, and the new stream starts empty.
    await createActive(client, { StreamName: name, ShardCount: 1 });
    const d = await client.send(new DescribeStreamCommand({ StreamName: name }));
    assert.equal(d.StreamDescription.Shards.length, 1);
    const fresh = await readShard(client, { StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' });
    assert.equal(fresh.records.length, 0, 're-created stream must not contain the deleted stream\'s records');
    // An iterator of the old incarnation must not read the new stream (docs/formats/shard-iterator.md).
    await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', Data: new Uint8Array([2]) }));
    if (!lacks('iteratorIncarnation')) await expectError(client.send(new GetRecordsCommand({ ShardIterator: oldIterator })),
      ['ResourceNotFoundException', 'InvalidArgumentException', 'ExpiredIteratorException']);
  });
});
