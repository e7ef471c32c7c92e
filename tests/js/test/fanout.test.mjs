// Enhanced fan-out through the unmodified JS SDK: RegisterStreamConsumer, DescribeStreamConsumer until ACTIVE,
// SubscribeToShard read through the SDK's async iterable, over HTTP/2 with the SDK's default NodeHttp2Handler
// (prior-knowledge h2c on http://) and over TLS (ALPN h2, https:// with the CA Sluice generates under
// <data-dir>/tls/ca.pem with `--tls auto`). Every event goes through the KCL validity rule (a null
// ContinuationSequenceNumber comes with non-empty ChildShards, each with ParentShards, and only then).
//
// Then, on raw HTTP/2 (node:http2, the SigV4 signer of bench/efo/efo-client.mjs): readers with a 16 KiB window that do
// not read must not make the server buffer the shard for them, and a client killed with open subscriptions must
// leave no connection behind.
//
// Skips (with the reason) while the server answers UnknownOperationException for RegisterStreamConsumer or
// SubscribeToShard, and the TLS case when `sluice serve --help` has no --tls flag.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import path from 'node:path';
import {
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import { JS_ROOT, REGION, TARGET, freePort, makeClient, startServer, uniqueName } from '../lib/target.mjs';
import { bytesEqual, cmpSeq, createActive, describeErr, expectError, sleep } from '../lib/util.mjs';
import { signedHeaders } from '../../../bench/efo/efo-client.mjs';

const enc = new TextEncoder();
const shardId = (i) => `shardId-${String(i).padStart(12, '0')}`;
const HEARTBEAT_MS = 1000;

function sluiceHelp() {
  if (TARGET !== 'sluice') return '';
  const bin = path.resolve(JS_ROOT, process.env.SLUICE_BIN || '../../build/sluice');
  const r = spawnSync(bin, ['serve', '--help'], { encoding: 'utf8' });
  return r.stdout || '';
}
const HELP = sluiceHelp();
const has = (flag) => HELP.includes(flag);

/** `sluice serve` flags of this suite that the binary knows (unknown ones are left out, not fatal). */
function efoFlags(extra = []) {
  const want = [['--consumer-activate-delay-ms', '300'], ['--subscription-heartbeat-ms', String(HEARTBEAT_MS)]];
  return want.filter(([f]) => has(f)).flat().concat(extra);
}

/** null when the server has fan-out, else a skip reason. */
async function fanoutMissing(client) {
  const bogus = `arn:aws:kinesis:${REGION}:000000000000:stream/efo-probe-absent`;
  const probes = [
    new RegisterStreamConsumerCommand({ StreamARN: bogus, ConsumerName: 'probe' }),
    new SubscribeToShardCommand({ ConsumerARN: `${bogus}/consumer/probe:1`, ShardId: shardId(0),
      StartingPosition: { Type: 'LATEST' } }),
  ];
  for (const cmd of probes) {
    try {
      await client.send(cmd);
    } catch (err) {
      if (err.name === 'UnknownOperationException') {
        return `server answers UnknownOperationException for ${cmd.constructor.name.replace('Command', '')} ` +
          '(enhanced fan-out not built yet)';
      }
    }
  }
  return null;
}

/** The KCL's DataRetrievalUtil.isValidResult for one SubscribeToShardEvent: a list of problems. */
export function kclViolations(ev) {
  const problems = [];
  const cont = ev.ContinuationSequenceNumber;
  const children = ev.ChildShards ?? [];
  if (cont == null && children.length === 0) problems.push('null continuation without ChildShards');
  if (cont != null && children.length > 0) problems.push(`continuation ${cont} together with ChildShards`);
  for (const c of children) {
    if (!c.ParentShards || c.ParentShards.length === 0) problems.push(`child ${c.ShardId} without ParentShards`);
  }
  return problems;
}

const tally = { events: 0, records: 0 };

/** A subscription read in the background: every event is checked and kept; waitFor polls the kept state. */
class Subscription {
  constructor(client, input) {
    this.abort = new AbortController();
    this.events = [];
    this.records = [];
    this.violations = [];
    this.done = null;
    this.opened = client.send(new SubscribeToShardCommand(input), { abortSignal: this.abort.signal });
  }

  async open() {
    this.response = await this.opened; // rejects with the modelled error when the call fails (HTTP 4xx)
    this.loop = this.#read(this.response.EventStream);
    return this;
  }

  async #read(stream) {
    let lastSeq = null;
    try {
      for await (const ev of stream) {
        const e = ev.SubscribeToShardEvent;
        if (!e) {
          this.events.push({ other: ev, t: Date.now() });
          continue;
        }
        const problems = kclViolations(e);
        for (const r of e.Records ?? []) {
          if (lastSeq !== null && cmpSeq(r.SequenceNumber, lastSeq) <= 0) {
            problems.push(`sequence ${r.SequenceNumber} not above ${lastSeq}`);
          }
          lastSeq = r.SequenceNumber;
        }
        if (!Number.isInteger(e.MillisBehindLatest) || e.MillisBehindLatest < 0) {
          problems.push(`MillisBehindLatest ${e.MillisBehindLatest}`);
        }
        if (problems.length) this.violations.push(problems);
        tally.events += 1;
        tally.records += (e.Records ?? []).length;
        this.events.push({ ev: e, t: Date.now() });
        this.records.push(...(e.Records ?? []));
      }
      this.done = { kind: 'end' };
    } catch (err) {
      this.done = { kind: this.abort.signal.aborted ? 'closed' : 'error', err };
    }
  }

  async waitFor(pred, timeoutMs, what) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      assert.deepEqual(this.violations, [], 'events broke the KCL rule or the shape checks');
      if (pred(this)) return;
      if (this.done) {
        assert.fail(`subscription ended (${this.done.kind}: ${describeErr(this.done.err)}) before ${what}`);
      }
      if (Date.now() > deadline) assert.fail(`no ${what} within ${timeoutMs} ms (${this.events.length} events)`);
      await sleep(10);
    }
  }

  async close() {
    this.abort.abort();
    await Promise.race([this.loop, sleep(2000)]);
  }
}

async function registerActive(client, StreamARN) {
  const r = await client.send(new RegisterStreamConsumerCommand({ StreamARN, ConsumerName: uniqueName('c') }));
  const arn = r.Consumer.ConsumerARN;
  assert.match(arn, /^arn:aws:kinesis:[^:]+:\d{12}:stream\/[^/]+\/consumer\/[^:]+:\d+$/);
  const deadline = Date.now() + 15000;
  for (;;) {
    const d = await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: arn }));
    if (d.ConsumerDescription.ConsumerStatus === 'ACTIVE') return arn;
    if (Date.now() > deadline) assert.fail(`consumer ${arn} not ACTIVE within 15 s`);
    await sleep(50);
  }
}

/** The whole round trip on one client: consumer, subscription, records pushed, heartbeat, 5-second rule. */
async function roundTrip(t, client, subs) {
  const name = uniqueName('efo');
  await createActive(client, { StreamName: name, ShardCount: 1 });
  const arn = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name })))
    .StreamDescriptionSummary.StreamARN;
  const consumer = await registerActive(client, arn);
  const sub = new Subscription(client, { ConsumerARN: consumer, ShardId: shardId(0),
    StartingPosition: { Type: 'LATEST' } });
  subs.push(sub);
  await sub.open();
  assert.equal(sub.response.$metadata.httpStatusCode, 200);
  // a second subscription of the same consumer and shard within 5 s is refused before the stream opens; an unknown
  // shard is a 400 too
  if (TARGET === 'sluice') {
    await expectError(() => new Subscription(client, { ConsumerARN: consumer, ShardId: shardId(0),
      StartingPosition: { Type: 'LATEST' } }).open(), 'ResourceInUseException');
    await expectError(() => new Subscription(client, { ConsumerARN: consumer, ShardId: shardId(5),
      StartingPosition: { Type: 'LATEST' } }).open(), 'ResourceNotFoundException');
  }
  await sleep(300);

  const acked = [];
  const one = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'p0',
    Data: enc.encode('one') }));
  acked.push({ seq: one.SequenceNumber, pk: 'p0', data: enc.encode('one') });
  const batch = [0, 1, 2, 3].map((i) => ({ PartitionKey: `b${i}`, Data: new Uint8Array([i, 0, 255, 10, 13]) }));
  const pr = await client.send(new PutRecordsCommand({ StreamName: name, Records: batch }));
  pr.Records.forEach((r, i) => acked.push({ seq: r.SequenceNumber, pk: batch[i].PartitionKey, data: batch[i].Data }));

  await sub.waitFor((s) => s.records.length >= acked.length, 10000, `${acked.length} records`);
  assert.equal(sub.records.length, acked.length, 'extra records delivered');
  sub.records.forEach((r, i) => {
    assert.equal(r.SequenceNumber, acked[i].seq);
    assert.equal(r.PartitionKey, acked[i].pk);
    assert.ok(bytesEqual(r.Data, acked[i].data), `data of record ${i}`);
    assert.ok(r.ApproximateArrivalTimestamp instanceof Date);
    assert.ok(Math.abs(r.ApproximateArrivalTimestamp.getTime() - Date.now()) < 30000);
  });

  // idle: a heartbeat (no records, a continuation at or after the last record, MillisBehindLatest 0)
  const before = sub.events.length;
  await sub.waitFor((s) => s.events.slice(before).some((e) => e.ev && e.ev.Records.length === 0),
    (TARGET === 'sluice' && !has('--subscription-heartbeat-ms') ? 5000 : HEARTBEAT_MS) + 3000, 'heartbeat');
  const beat = sub.events.slice(before).find((e) => e.ev && e.ev.Records.length === 0).ev;
  assert.equal(beat.MillisBehindLatest, 0);
  assert.ok(cmpSeq(beat.ContinuationSequenceNumber, acked.at(-1).seq) >= 0);

  t.diagnostic(`${sub.events.length} events, ${sub.records.length} records`);
}

describe('SubscribeToShard over HTTP/2 cleartext (SDK default NodeHttp2Handler)', () => {
  let server;
  let client;
  let missing = null;
  const subs = [];
  before(async () => {
    server = await startServer({ extraArgs: efoFlags() });
    client = await makeClient(server);
    missing = await fanoutMissing(client);
  });
  after(async () => {
    for (const s of subs) await s.close();
    client?.destroy();
    await server?.stop();
  });

  test('register, wait ACTIVE, subscribe, records pushed, heartbeat, KCL rule on every event', async (t) => {
    if (missing) return t.skip(missing);
    if (TARGET !== 'sluice') t.diagnostic(`${TARGET}: SDK HTTP/1.1 handler (emulator validation run)`);
    await roundTrip(t, client, subs);
  });
});

describe('SubscribeToShard over TLS (ALPN h2, generated CA)', () => {
  let server;
  let client;
  let missing = null;
  const subs = [];
  before(async () => {
    if (TARGET !== 'sluice') {
      missing = `${TARGET} is not run with TLS here`;
      return;
    }
    if (!has('--tls')) {
      missing = 'this sluice binary has no --tls flag';
      return;
    }
    const tlsPort = has('--tls-port') ? await freePort() : null;
    const tlsArgs = ['--tls', 'auto', ...(tlsPort ? ['--tls-port', String(tlsPort)] : [])];
    server = await startServer({ extraArgs: efoFlags(tlsArgs) });
    const caFile = path.join(server.dataDir, 'tls', 'ca.pem');
    const deadline = Date.now() + 10000;
    while (!fs.existsSync(caFile) && Date.now() < deadline) await sleep(50);
    assert.ok(fs.existsSync(caFile), `--tls auto wrote no ${caFile}`);
    const { NodeHttp2Handler } = await import('@smithy/node-http-handler');
    client = new KinesisClient({
      endpoint: `https://localhost:${tlsPort ?? server.port}`,
      region: REGION,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
      maxAttempts: 1,
      // the SDK's own HTTP/2 handler; only the trust store is the server's generated CA
      requestHandler: new NodeHttp2Handler({ nodeHttp2ConnectOptions: { ca: fs.readFileSync(caFile) } }),
    });
    missing = await fanoutMissing(client);
  });
  after(async () => {
    for (const s of subs) await s.close();
    client?.destroy();
    await server?.stop();
  });

  test('the same round trip over https:// with the generated CA', async (t) => {
    if (missing) return t.skip(missing);
    await roundTrip(t, client, subs);
  });
});

// ------------------------------------------------------------------------------------------------ flow control

function procStatus(pid) {
  try {
    const st = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return { rssKb: Number(st.match(/^VmRSS:\s+(\d+)/m)[1]), fds: fs.readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return null;
  }
}

/**
 * A raw HTTP/2 SubscribeToShard (node:http2, own session with a small stream window) whose body is not read until
 * resume(): the server must stop at the window (flow control), not buffer the shard for it.
 */
function rawSubscribe(endpoint, input, { windowSize = 16384 } = {}) {
  const url = new URL(endpoint);
  const session = http2.connect(endpoint, { settings: { initialWindowSize: windowSize } });
  session.on('error', () => {});
  const body = Buffer.from(JSON.stringify(input));
  const h = signedHeaders(url.host, 'SubscribeToShard', body);
  delete h.host;
  const req = session.request({ ':method': 'POST', ':path': '/', ':authority': url.host, ...h });
  req.on('error', () => {});
  req.end(body);
  const r = { session, req, status: null, bytes: 0, chunks: [] };
  r.opened = new Promise((resolve) => req.on('response', (hd) => { r.status = hd[':status']; resolve(r.status); }));
  req.pause();
  r.resume = () => {
    req.on('data', (c) => { r.bytes += c.length; r.chunks.push(c); });
    req.resume();
  };
  r.close = () => session.destroy();
  return r;
}

describe('flow control and vanished clients (raw HTTP/2)', () => {
  let server;
  let client;
  let missing = null;
  const raws = [];
  before(async () => {
    if (TARGET !== 'sluice') {
      missing = `raw HTTP/2 checks run on Sluice only (${TARGET} h2c does not work with node's http2 client)`;
      return;
    }
    server = await startServer({ extraArgs: efoFlags() });
    client = await makeClient(server);
    missing = await fanoutMissing(client);
  });
  after(async () => {
    for (const r of raws) r.close();
    client?.destroy();
    await server?.stop();
  });

  test('slow readers (16 KiB window, not reading) do not make the server buffer the shard', async (t) => {
    if (missing) return t.skip(missing);
    const name = uniqueName('slow');
    await createActive(client, { StreamName: name, ShardCount: 1 });
    const arn = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name })))
      .StreamDescriptionSummary.StreamARN;
    // 64 MiB in the shard before anyone subscribes; then let the server settle
    const blob = new Uint8Array(256 * 1024).fill(7);
    for (let i = 0; i < 32; i += 1) {
      const r = await client.send(new PutRecordsCommand({ StreamName: name,
        Records: Array.from({ length: 8 }, (_, j) => ({ PartitionKey: `k${j}`, Data: blob })) }));
      assert.equal(r.FailedRecordCount ?? 0, 0);
    }
    const consumers = [];
    for (let i = 0; i < 8; i += 1) consumers.push(await registerActive(client, arn));
    await sleep(2500);
    const before = procStatus(server.pid);
    for (const c of consumers) {
      raws.push(rawSubscribe(server.endpoint, { ConsumerARN: c, ShardId: shardId(0),
        StartingPosition: { Type: 'TRIM_HORIZON' } }));
    }
    for (const r of raws) assert.equal(await r.opened, 200);
    await sleep(4000);
    const stalled = procStatus(server.pid);
    const growMb = (stalled.rssKb - before.rssKb) / 1024;
    t.diagnostic(`server RSS ${before.rssKb} kB -> ${stalled.rssKb} kB with 8 stalled readers of a 64 MiB shard`);
    // without flow control each reader would hold up to 64 MiB (x 4/3 for base64): 680 MiB in all; the bound
    // leaves room for the shared read-ahead (--read-ahead, 64 MiB by default)
    assert.ok(growMb < 128, `server RSS grew ${growMb.toFixed(1)} MiB for 8 readers that read nothing`);
    // and a stalled reader is only paused: once it reads, the whole shard comes
    const r0 = raws[0];
    r0.resume();
    const deadline = Date.now() + 60000;
    while (r0.bytes < 64 * 1024 * 1024 && Date.now() < deadline) await sleep(100);
    assert.ok(r0.bytes >= 64 * 1024 * 1024, `resumed reader got ${r0.bytes} bytes`);
    for (const r of raws) r.close();
  });

  test('a client that vanishes (process killed) is cleaned up: fds back, the shard can be subscribed again',
    async (t) => {
      if (missing) return t.skip(missing);
      const name = uniqueName('gone');
      await createActive(client, { StreamName: name, ShardCount: 4 });
      const arn = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name })))
        .StreamDescriptionSummary.StreamARN;
      const consumers = [];
      for (let i = 0; i < 5; i += 1) consumers.push(await registerActive(client, arn));
      await sleep(500);
      const before = procStatus(server.pid);
      // a child process opens 20 subscriptions over 5 connections, says so, and is then killed with SIGKILL
      const code = `
        import { Connection, subscribe } from ${JSON.stringify(path.resolve(JS_ROOT, '../../bench/efo/efo-client.mjs'))};
        const [endpoint, arns] = [process.argv[1], JSON.parse(process.argv[2])];
        let open = 0;
        for (const a of arns) {
          const conn = new Connection(endpoint);
          for (let s = 0; s < 4; s += 1) {
            subscribe(conn, a, 'shardId-00000000000' + s, { Type: 'LATEST' }, {
              onOpen: (st) => { if (st === 200 && ++open === arns.length * 4) console.log('open'); } });
          }
        }
        setInterval(() => {}, 1000);`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', code, server.endpoint,
        JSON.stringify(consumers)], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('child did not open its subscriptions')), 20000);
        child.stdout.on('data', (d) => { if (String(d).includes('open')) { clearTimeout(timer); resolve(); } });
      });
      const during = procStatus(server.pid);
      child.kill('SIGKILL');
      const deadline = Date.now() + 15000;
      let now = procStatus(server.pid);
      while (now.fds > before.fds && Date.now() < deadline) {
        await sleep(200);
        now = procStatus(server.pid);
      }
      t.diagnostic(`server fds ${before.fds} -> ${during.fds} with 20 subscriptions -> ${now.fds} after the kill`);
      assert.ok(during.fds >= before.fds + 5, 'the 5 connections should be open while the child lives');
      assert.ok(now.fds <= before.fds, `fds not released: ${now.fds} > ${before.fds}`);
      // the (consumer, shard) pairs are free again (5 s after the vanished subscriptions started)
      await sleep(5500);
      const again = new Subscription(client, { ConsumerARN: consumers[0], ShardId: shardId(0),
        StartingPosition: { Type: 'LATEST' } });
      await again.open();
      assert.equal(again.response.$metadata.httpStatusCode, 200);
      await again.close();
    });
});

describe('tally', () => {
  test('the KCL rule saw the events', (t) => {
    t.diagnostic(`KCL rule checked ${tally.events} events, ${tally.records} records`);
  });
});

