// Modelled errors as the unmodified JS SDK sees them: err.name (from x-amzn-ErrorType / __type), HTTP status,
// $metadata.requestId, $fault. Where the reference marks the exact code as undocumented, a short list is accepted.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListShardsCommand,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  PutRecordsCommand,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { lacks, makeClient, startServer, uniqueName } from '../lib/target.mjs';
import { assertOk, createActive, expectError, HASH_MAX } from '../lib/util.mjs';

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

describe('ResourceNotFoundException / ResourceInUseException', () => {
  test('unknown stream on every kind of call; request ids are present and distinct', async () => {
    const ghost = uniqueName('ghost');
    const errs = [];
    errs.push(await expectError(client.send(new DescribeStreamCommand({ StreamName: ghost })), 'ResourceNotFoundException'));
    errs.push(await expectError(client.send(new DescribeStreamSummaryCommand({ StreamName: ghost })), 'ResourceNotFoundException'));
    errs.push(await expectError(client.send(new DeleteStreamCommand({ StreamName: ghost })), 'ResourceNotFoundException'));
    errs.push(await expectError(client.send(new PutRecordCommand({ StreamName: ghost, PartitionKey: 'a', Data: enc.encode('x') })),
      'ResourceNotFoundException'));
    errs.push(await expectError(client.send(new PutRecordsCommand({
      StreamName: ghost, Records: [{ PartitionKey: 'a', Data: enc.encode('x') }],
    })), 'ResourceNotFoundException'));
    errs.push(await expectError(client.send(new GetShardIteratorCommand({
      StreamName: ghost, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON',
    })), 'ResourceNotFoundException'));
    errs.push(await expectError(client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: ghost, RetentionPeriodHours: 48 })),
      'ResourceNotFoundException'));
    const ids = errs.map((e) => e.$metadata.requestId);
    assert.equal(new Set(ids).size, ids.length, `request ids should be unique per request: ${ids}`);
    assert.ok(errs[0].message.includes(ghost), `message should name the stream: ${errs[0].message}`);
  });

  test('unknown shard -> ResourceNotFoundException', async () => {
    const name = uniqueName('shard404');
    await createActive(client, { StreamName: name, ShardCount: 1 });
    await expectError(client.send(new GetShardIteratorCommand({
      StreamName: name, ShardId: 'shardId-000000000009', ShardIteratorType: 'TRIM_HORIZON',
    })), 'ResourceNotFoundException');
  });

  test('CreateStream with an existing name -> ResourceInUseException (also while CREATING)', async () => {
    const name = uniqueName('inuse');
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await expectError(client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 })), 'ResourceInUseException');
  });
});

describe('InvalidArgumentException', () => {
  const name = uniqueName('inval');
  let p0;
  let p1;
  before(async () => {
    await createActive(client, { StreamName: name, ShardCount: 2 });
    p0 = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', ExplicitHashKey: '0', Data: enc.encode('a') }));
    p1 = await client.send(new PutRecordCommand({
      StreamName: name, PartitionKey: 'k', ExplicitHashKey: HASH_MAX.toString(), Data: enc.encode('b'),
    }));
    assert.notEqual(p0.ShardId, p1.ShardId);
  });

  const gsi = (extra) => client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ...extra }));

  test('GetShardIterator type / parameter combinations', { skip: lacks('iteratorValidation') }, async () => {
    await expectError(gsi({ ShardIteratorType: 'AT_SEQUENCE_NUMBER' }), 'InvalidArgumentException');
    await expectError(gsi({ ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' }), 'InvalidArgumentException');
    await expectError(gsi({ ShardIteratorType: 'TRIM_HORIZON', StartingSequenceNumber: p0.SequenceNumber }), 'InvalidArgumentException');
    await expectError(gsi({ ShardIteratorType: 'LATEST', StartingSequenceNumber: p0.SequenceNumber }), 'InvalidArgumentException');
    await expectError(gsi({ ShardIteratorType: 'AT_TIMESTAMP' }), 'InvalidArgumentException');
  });

  test('GetShardIterator with a sequence number of another shard', { skip: lacks('iteratorValidation') }, async () => {
    await expectError(gsi({ ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: p1.SequenceNumber }),
      'InvalidArgumentException');
  });

  test('GetShardIterator AT_TIMESTAMP in the future', { skip: lacks('iteratorValidation') }, async () => {
    await expectError(gsi({ ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(Date.now() + 3600e3) }),
      'InvalidArgumentException');
  });

  test('GetRecords with a forged shard iterator', { skip: lacks('iteratorValidation') }, async () => {
    const real = (await gsi({ ShardIteratorType: 'TRIM_HORIZON' })).ShardIterator;
    // Flip characters in the middle of a real iterator, keeping it valid base64 of the same length.
    const mid = Math.floor(real.length / 2);
    const flip = (c) => (c === 'A' ? 'B' : 'A');
    const forged = real.slice(0, mid) + flip(real[mid]) + flip(real[mid + 1]) + real.slice(mid + 2);
    await expectError(client.send(new GetRecordsCommand({ ShardIterator: forged })), 'InvalidArgumentException');
    // Reference 3.4: malformed or forged -> InvalidArgumentException ("Invalid ShardIterator.").
    await expectError(client.send(new GetRecordsCommand({ ShardIterator: 'AAAAAAAAAAEnotavaliditerator' })),
      'InvalidArgumentException');
  });

  test('ExplicitHashKey above 2^128-1', async () => {
    await expectError(client.send(new PutRecordCommand({
      StreamName: name, PartitionKey: 'k', ExplicitHashKey: (HASH_MAX + 1n).toString(), Data: enc.encode('x'),
    })), 'InvalidArgumentException');
    await expectError(client.send(new PutRecordsCommand({
      StreamName: name, Records: [{ PartitionKey: 'k', ExplicitHashKey: (HASH_MAX + 1n).toString(), Data: enc.encode('x') }],
    })), 'InvalidArgumentException');
  });

  test('ExpiredIteratorException needs a 5-minute-old iterator', { skip: 'not testable in bounded time (300 s iterator lifetime)' },
    () => {});
});

describe('ValidationException (model constraints)', () => {
  const name = uniqueName('valid');
  before(async () => {
    await createActive(client, { StreamName: name, ShardCount: 1 });
  });

  test('CreateStream: ShardCount 0, bad name pattern, name longer than 128', { skip: lacks('modelValidation') }, async () => {
    await expectError(client.send(new CreateStreamCommand({ StreamName: uniqueName('zero'), ShardCount: 0 })), 'ValidationException');
    await expectError(client.send(new CreateStreamCommand({ StreamName: 'bad name!', ShardCount: 1 })), 'ValidationException');
    await expectError(client.send(new CreateStreamCommand({ StreamName: 'x'.repeat(129), ShardCount: 1 })), 'ValidationException');
  });

  test('PutRecord: partition key length 0 / 257, bad ExplicitHashKey pattern', { skip: lacks('modelValidation') }, async () => {
    await expectError(client.send(new PutRecordCommand({ StreamName: name, PartitionKey: '', Data: enc.encode('x') })),
      'ValidationException');
    await expectError(client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'p'.repeat(257), Data: enc.encode('x') })),
      'ValidationException');
    await expectError(client.send(new PutRecordCommand({
      StreamName: name, PartitionKey: 'k', ExplicitHashKey: '12ab', Data: enc.encode('x'),
    })), 'ValidationException');
  });

  test('PutRecord: data above the stream\'s 1 MiB default', async () => {
    // Reference 3.3: ValidationException for the classic 1 MiB constraint; per-stream limits are undocumented.
    await expectError(client.send(new PutRecordCommand({
      StreamName: name, PartitionKey: 'k', Data: new Uint8Array(1024 * 1024 + 1),
    })), ['ValidationException', 'InvalidArgumentException']);
  });

  test('PutRecords: 0 records and 501 records', { skip: lacks('modelValidation') }, async () => {
    await expectError(client.send(new PutRecordsCommand({ StreamName: name, Records: [] })), 'ValidationException');
    const many = Array.from({ length: 501 }, (_, i) => ({ PartitionKey: `k${i}`, Data: enc.encode('x') }));
    await expectError(client.send(new PutRecordsCommand({ StreamName: name, Records: many })), 'ValidationException');
  });

  test('ListStreams Limit 0 / 10001; GetShardIterator bad enum', { skip: lacks('modelValidation') }, async () => {
    await expectError(client.send(new ListStreamsCommand({ Limit: 0 })), 'ValidationException');
    await expectError(client.send(new ListStreamsCommand({ Limit: 10001 })), 'ValidationException');
    await expectError(client.send(new GetShardIteratorCommand({
      StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'SOMEWHERE',
    })), 'ValidationException');
  });

  test('paging limits: DescribeStream Limit 0, ListShards MaxResults 0, GetRecords Limit 0, ListTagsForStream Limit 51',
    { skip: lacks('modelValidation', 'modernValidation') }, async () => {
      await expectError(client.send(new DescribeStreamCommand({ StreamName: name, Limit: 0 })), 'ValidationException');
      await expectError(client.send(new ListShardsCommand({ StreamName: name, MaxResults: 0 })), 'ValidationException');
      const it = (await client.send(new GetShardIteratorCommand({
        StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON',
      }))).ShardIterator;
      await expectError(client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 0 })), 'ValidationException');
      // Limit above 10000: the docs say InvalidArgumentException, the model constraint says ValidationException.
      await expectError(client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10001 })),
        ['ValidationException', 'InvalidArgumentException']);
      await expectError(client.send(new ListTagsForStreamCommand({ StreamName: name, Limit: 51 })), 'ValidationException');
    });

  test('ListShards: NextToken with ExclusiveStartShardId -> InvalidArgumentException', { skip: lacks('listShardsPaging') },
    async () => {
      const n = uniqueName('lsnt');
      await createActive(client, { StreamName: n, ShardCount: 3 });
      const first = await client.send(new ListShardsCommand({ StreamName: n, MaxResults: 1 }));
      assert.ok(first.NextToken);
      await expectError(client.send(new ListShardsCommand({ NextToken: first.NextToken, ExclusiveStartShardId: 'shardId-000000000000' })),
        'InvalidArgumentException');
    });

  test('CreateStream MaxRecordSizeInKiB outside 1024..10240', { skip: lacks('maxRecordSize', 'modelValidation') }, async () => {
    await expectError(client.send(new CreateStreamCommand({ StreamName: uniqueName('mrs'), ShardCount: 1, MaxRecordSizeInKiB: 512 })),
      'ValidationException');
    await expectError(client.send(new CreateStreamCommand({ StreamName: uniqueName('mrs'), ShardCount: 1, MaxRecordSizeInKiB: 10241 })),
      'ValidationException');
  });

  test('SplitShard on an ON_DEMAND stream', { skip: lacks('streamMode', 'streamModeRules') }, async () => {
    const od = uniqueName('od-split');
    await createActive(client, { StreamName: od, StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
    await expectError(client.send(new SplitShardCommand({
      StreamName: od, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '1000',
    })), 'ValidationException');
  });
});

describe('codes the reference leaves open (one of a short list)', () => {
  test('ON_DEMAND with ShardCount is refused', { skip: lacks('streamMode', 'streamModeRules') }, async () => {
    await expectError(client.send(new CreateStreamCommand({
      StreamName: uniqueName('odsc'), ShardCount: 2, StreamModeDetails: { StreamMode: 'ON_DEMAND' },
    })), ['InvalidArgumentException', 'ValidationException']);
  });

  test('missing PartitionKey on a USER_PARTITION_KEY stream is refused', { skip: lacks('modelValidation') }, async () => {
    // PartitionKey became optional in the model (2026-09, AUTO distribution), so this is a semantic check now.
    const name = uniqueName('nopk');
    await createActive(client, { StreamName: name, ShardCount: 1 });
    await expectError(client.send(new PutRecordCommand({ StreamName: name, Data: enc.encode('x') })),
      ['ValidationException', 'InvalidArgumentException']);
    await expectError(client.send(new PutRecordsCommand({ StreamName: name, Records: [{ Data: enc.encode('x') }] })),
      ['ValidationException', 'InvalidArgumentException']);
  });

  test('neither StreamName nor StreamARN is refused', { skip: lacks('emptyStreamTarget') },
    async () => {
      await expectError(client.send(new DescribeStreamSummaryCommand({})), ['InvalidArgumentException', 'ValidationException']);
      await expectError(client.send(new PutRecordCommand({ PartitionKey: 'k', Data: enc.encode('x') })),
        ['InvalidArgumentException', 'ValidationException']);
    });
});

describe('$metadata on success', () => {
  test('httpStatusCode 200, requestId and attempts', async () => {
    const r = await client.send(new ListStreamsCommand({}));
    assertOk(r, 'ListStreams');
    assert.equal(r.$metadata.attempts, 1);
    // x-amz-id-2 (reference 1.5) surfaces as extendedRequestId.
    assert.ok(typeof r.$metadata.extendedRequestId === 'string' && r.$metadata.extendedRequestId.length > 0,
      'x-amz-id-2 header missing ($metadata.extendedRequestId)');
    const r2 = await client.send(new ListStreamsCommand({}));
    assert.notEqual(r.$metadata.requestId, r2.$metadata.requestId, 'request ids should differ between requests');
  });
});
