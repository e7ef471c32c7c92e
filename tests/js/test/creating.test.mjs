// A server that keeps new streams in CREATING for a while (--create-stream-delay-ms): clients must poll, and the
// stream refuses work until it is ACTIVE.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListStreamsCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { lacks, makeClient, startServer, uniqueName } from '../lib/target.mjs';
import { expectError, waitForStatus } from '../lib/util.mjs';

const DELAY_MS = 1500;
let server;
let client;

before(async () => {
  server = await startServer({ createDelayMs: DELAY_MS });
  client = await makeClient(server);
});

after(async () => {
  client?.destroy();
  await server?.stop();
});

test('a new stream is CREATING first, refuses work, then becomes ACTIVE', async () => {
  const name = uniqueName('slow');
  const t0 = Date.now();
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
  const s = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
  assert.equal(s.StreamStatus, 'CREATING', 'status right after CreateStream with a creation delay');
  const d = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription;
  assert.equal(d.StreamStatus, 'CREATING');
  const ls = await client.send(new ListStreamsCommand({ ExclusiveStartStreamName: name.slice(0, -1) }));
  assert.ok(ls.StreamNames.includes(name), 'a CREATING stream is listed');

  // Reference 4.8: no data-plane access while CREATING (kinesalite: ResourceNotFoundException); control operations
  // that change the stream need ACTIVE (ResourceInUseException).
  if (Date.now() - t0 < DELAY_MS - 300) {
    await expectError(client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: new Uint8Array([1]) })),
      ['ResourceNotFoundException', 'ResourceInUseException']);
  }
  if (!lacks('creatingRules') && Date.now() - t0 < DELAY_MS - 300) {
    await expectError(client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 48 })),
      'ResourceInUseException');
  }
  await expectError(client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 })), 'ResourceInUseException');

  const active = await waitForStatus(client, { StreamName: name }, 'ACTIVE', DELAY_MS + 10000);
  assert.ok(Date.now() - t0 >= DELAY_MS - 200, `ACTIVE after ${Date.now() - t0} ms, before the ${DELAY_MS} ms delay`);
  assert.equal(active.OpenShardCount, 2);
  const p = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: new Uint8Array([1]) }));
  assert.ok(p.SequenceNumber);
});
