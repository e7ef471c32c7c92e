// One round trip through @aws-sdk/client-kinesis with the SDK's default request handler (NodeHttp2Handler:
// HTTP/2, negotiated by ALPN on https://): CreateStream, wait for ACTIVE, PutRecord, GetShardIterator,
// GetRecords, DeleteStream. Run by tests/integration/test_tls.py, which trusts Sluice's generated CA through
// NODE_EXTRA_CA_CERTS (the way an application would, with no change to the client).
//   node tools/tls-round-trip.mjs https://127.0.0.1:PORT STREAM_NAME
// Prints one JSON line: { handler, sequenceNumber, data }.
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';

const [endpoint, StreamName] = process.argv.slice(2);
if (!endpoint || !StreamName) {
  console.error('usage: tls-round-trip.mjs ENDPOINT STREAM_NAME');
  process.exit(2);
}
const client = new KinesisClient({
  endpoint,
  region: 'us-east-1',
  credentials: {
    accessKeyId: process.env.SLUICE_TEST_AKID || 'AKIDEXAMPLE',
    secretAccessKey: process.env.SLUICE_TEST_SECRET || 'x',
  },
  maxAttempts: 1,
});
try {
  await client.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
  const deadline = Date.now() + 20000;
  for (;;) {
    const { StreamDescriptionSummary: s } = await client.send(new DescribeStreamSummaryCommand({ StreamName }));
    if (s.StreamStatus === 'ACTIVE') break;
    if (Date.now() > deadline) throw new Error(`stream still ${s.StreamStatus}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const put = await client.send(new PutRecordCommand({
    StreamName, PartitionKey: 'k', Data: Buffer.from('hello over TLS'),
  }));
  const { ShardIterator } = await client.send(new GetShardIteratorCommand({
    StreamName, ShardId: put.ShardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER',
    StartingSequenceNumber: put.SequenceNumber,
  }));
  const got = await client.send(new GetRecordsCommand({ ShardIterator }));
  await client.send(new DeleteStreamCommand({ StreamName }));
  const handler = client.config.requestHandler;
  console.log(JSON.stringify({
    handler: handler?.constructor?.name,
    sequenceNumber: got.Records[0]?.SequenceNumber,
    data: Buffer.from(got.Records[0]?.Data ?? []).toString('utf8'),
    putSequenceNumber: put.SequenceNumber,
  }));
} finally {
  client.destroy();
}
