// Shared assertions and bounded polling helpers for the Sluice JS SDK suite.

import assert from 'node:assert/strict';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const SEQ_RE = /^(0|[1-9]\d{0,128})$/;
export const SHARD_ID_RE = /^shardId-\d{12}$/;
export const HASH_MAX = (1n << 128n) - 1n;

/** Describes an error compactly for assertion messages. */
export function describeErr(err) {
  if (!err) return String(err);
  return `${err.name}: ${err.message} (status ${err.$metadata?.httpStatusCode}, requestId ${err.$metadata?.requestId})`;
}

/** Asserts the response has the common metadata of a successful call. */
export function assertOk(resp, what = 'response') {
  assert.equal(resp.$metadata?.httpStatusCode, 200, `${what}: expected HTTP 200`);
  assert.ok(typeof resp.$metadata.requestId === 'string' && resp.$metadata.requestId.length > 0,
    `${what}: $metadata.requestId missing (x-amzn-RequestId header)`);
}

/**
 * Awaits `promiseOrFn` expecting a modelled error. `names` is one error name or a list of acceptable names (a list
 * is only used where the reference says the exact code is not documented). Checks err.name, HTTP status,
 * $metadata.requestId, $fault. Returns the error.
 */
export async function expectError(promiseOrFn, names, { status = 400 } = {}) {
  const list = Array.isArray(names) ? names : [names];
  let result;
  try {
    result = await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (err) {
    assert.ok(list.includes(err.name), `expected ${list.join(' or ')}, got ${describeErr(err)}`);
    assert.equal(err.$metadata?.httpStatusCode, status, `expected HTTP ${status} for ${err.name}, got ${describeErr(err)}`);
    assert.ok(typeof err.$metadata.requestId === 'string' && err.$metadata.requestId.length > 0,
      `error ${err.name} lacks $metadata.requestId (x-amzn-RequestId header)`);
    assert.equal(err.$fault, status >= 500 ? 'server' : 'client', `unexpected $fault for ${err.name}`);
    assert.ok(typeof err.message === 'string', 'error message should be a string');
    return err;
  }
  const body = JSON.stringify(result, (k, v) => (k === '$metadata' ? undefined : v));
  assert.fail(`expected ${list.join(' or ')}, but the call succeeded: ${body?.slice(0, 300)}`);
}

/** Polls DescribeStreamSummary until the stream has `status` (bounded). */
export async function waitForStatus(client, addr, status = 'ACTIVE', timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const r = await client.send(new DescribeStreamSummaryCommand(addr));
      last = r.StreamDescriptionSummary.StreamStatus;
      if (last === status) return r.StreamDescriptionSummary;
    } catch (err) {
      last = describeErr(err);
    }
    if (Date.now() > deadline) {
      assert.fail(`stream ${JSON.stringify(addr)} did not reach ${status} within ${timeoutMs} ms (last: ${last})`);
    }
    await sleep(50);
  }
}

/** CreateStream and wait until ACTIVE. Returns the stream summary. */
export async function createActive(client, input) {
  await client.send(new CreateStreamCommand(input));
  return await waitForStatus(client, { StreamName: input.StreamName });
}

/** Lists all shards of a stream by StreamName (manual paging with bounded page count). */
export async function listAllShards(client, StreamName, { maxPages = 50 } = {}) {
  const shards = [];
  let resp = await client.send(new ListShardsCommand({ StreamName }));
  shards.push(...(resp.Shards ?? []));
  let pages = 1;
  while (resp.NextToken) {
    assert.ok(pages < maxPages, `ListShards paging did not terminate after ${maxPages} pages`);
    resp = await client.send(new ListShardsCommand({ NextToken: resp.NextToken }));
    shards.push(...(resp.Shards ?? []));
    pages += 1;
  }
  return shards;
}

/**
 * Reads a shard from `iteratorInput` (GetShardIterator input) until a call returns no records and
 * MillisBehindLatest is 0 (caught up), or until maxCalls. Returns { records, responses }.
 */
export async function readShard(client, iteratorInput, { maxCalls = 30, limit, streamArnForGet } = {}) {
  const it = await client.send(new GetShardIteratorCommand(iteratorInput));
  let iterator = it.ShardIterator;
  const records = [];
  const responses = [];
  for (let i = 0; i < maxCalls && iterator; i++) {
    const input = { ShardIterator: iterator };
    if (limit) input.Limit = limit;
    if (streamArnForGet) input.StreamARN = streamArnForGet;
    const r = await client.send(new GetRecordsCommand(input));
    responses.push(r);
    records.push(...r.Records);
    iterator = r.NextShardIterator;
    if (r.Records.length === 0 && r.MillisBehindLatest === 0) break;
  }
  return { records, responses };
}

export function bytesEqual(a, b) {
  return Buffer.from(a).equals(Buffer.from(b));
}

export function cmpSeq(a, b) {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Even hash-key split per reference 4.2. */
export function expectedRanges(n) {
  const w = (1n << 128n) / BigInt(n);
  const out = [];
  for (let i = 0n; i < BigInt(n); i++) {
    const start = i * w;
    const end = i === BigInt(n) - 1n ? HASH_MAX : (i + 1n) * w - 1n;
    out.push([start.toString(), end.toString()]);
  }
  return out;
}

export function assertShardShape(shard) {
  assert.match(shard.ShardId, SHARD_ID_RE);
  assert.match(shard.HashKeyRange.StartingHashKey, /^(0|[1-9]\d*)$/);
  assert.match(shard.HashKeyRange.EndingHashKey, /^(0|[1-9]\d*)$/);
  assert.match(shard.SequenceNumberRange.StartingSequenceNumber, SEQ_RE);
}
