// Benchmark (b): many consumers on one stream while producers write. --consumers registered consumers (default 20) on
// a --shards stream (default 4), each reading every shard over its own HTTP/2 session (one stream per shard, as the
// KCL does), spread over --workers child processes; a producer process writes --rate-mib MiB/s of --record-size
// records with PutRecords for --duration s. Then it waits until every consumer has every acknowledged record (or
// --drain-timeout) and prints one JSON line: per-consumer completeness (missing / duplicates), delivered MB/s, put ->
// event latency percentiles (every record carries its send time), and the server's CPU per delivered MB, RSS and disk
// read bytes (/proc/PID/io read_bytes) against the bytes written.
//
//   node bench/efo/fanout.mjs --endpoint http://127.0.0.1:4567 --server-pid PID [--consumers 20] [--shards 4]
//        [--rate-mib 4] [--record-size 4096] [--duration 20] [--workers 4] [--http 2|1.1] [--target-name sluice]

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  Connection, Histogram, b64len, createStream, parseArgs, procStats, readStamp, registerConsumers, scanEvent, shardId,
  sleep, stampRecord, subscribe,
} from './efo-client.mjs';

const DEFAULTS = { endpoint: 'http://127.0.0.1:4567', consumers: 20, shards: 4, rate_mib: 4, record_size: 4096,
  duration: 20, workers: 4, http: '2', server_pid: 0, target_name: 'sluice', drain_timeout: 60, batch_ms: 50,
  role: 'coordinator', max_ids: 1 << 23, inflight: 8 };
const o = parseArgs(process.argv.slice(2), DEFAULTS);
const self = fileURLToPath(import.meta.url);

// ------------------------------------------------------------------------------------------------ consumer worker

async function consumerWorker() {
  const state = [];
  const hist = new Histogram();
  const arrivalHist = new Histogram();
  let opened = 0;
  let needed = 0;
  let firstRecvNs = null;
  let lastRecvNs = null;
  const errors = [];
  process.on('message', async (m) => {
    if (m.type === 'start') {
      needed = m.consumers.length * m.shards;
      for (const arn of m.consumers) {
        const conn = new Connection(m.endpoint, { http: m.http });
        const st = { arn, bits: new Uint8Array(o.max_ids >> 3), received: 0, dup: 0, bytes: 0, ends: 0, parsed: 0, conn };
        state.push(st);
        for (let s = 0; s < m.shards; s += 1) {
          let cont = null;
          const open = (pos) => subscribe(conn, arn, shardId(s), pos, {
            onOpen: (status) => {
              if (status === 200) opened += 1;
            },
            onEvent: (payload, t) => {
              let ev = scanEvent(payload);
              if (ev === null) {
                const j = JSON.parse(payload.toString('utf8'));
                ev = { cont: j.ContinuationSequenceNumber ?? null,
                  records: j.Records.map((r) => ({ ...readStamp(r.Data), len: b64len(r.Data) })),
                  firstArrivalMs: j.Records.length ? j.Records[0].ApproximateArrivalTimestamp * 1000 : null };
                st.parsed += 1;
              }
              if (ev.cont) cont = ev.cont;
              if (ev.firstArrivalMs) arrivalHist.add(Math.max(0, (performance.timeOrigin + performance.now() - ev.firstArrivalMs) * 1000));
              for (const { id, tNs, len } of ev.records) {
                if (firstRecvNs === null) firstRecvNs = t;
                lastRecvNs = t;
                const byte = id >> 3;
                const bit = 1 << (id & 7);
                if (st.bits[byte] & bit) st.dup += 1;
                else {
                  st.bits[byte] |= bit;
                  st.received += 1;
                }
                st.bytes += len;
                hist.add(Number(t - tNs) / 1000);
              }
            },
            onEnd: (x) => {
              st.ends += 1;
              if (x.kind !== 'end') errors.push({ arn, shard: s, ...x, err: x.err && String(x.err) });
              if (!stopping && x.kind !== 'http') {
                setTimeout(() => open(cont ? { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: cont }
                  : { Type: 'TRIM_HORIZON' }), 1100);
              }
            },
          }, { parse: false });
          open({ Type: 'TRIM_HORIZON' });
        }
      }
      const deadline = Date.now() + 60000;
      while (opened < needed && Date.now() < deadline) await sleep(20);
      process.send({ type: 'ready', opened, needed, errors });
    } else if (m.type === 'report') {
      process.send({
        type: 'report',
        consumers: state.map((s) => ({ arn: s.arn, received: s.received, dup: s.dup, bytes: s.bytes, ends: s.ends,
          parsed: s.parsed,
          bits: m.bits ? Buffer.from(s.bits.buffer, 0, (m.bits >> 3) + 1).toString('base64') : undefined })),
        hist: m.bits ? Array.from(hist.counts) : undefined,
        arrival_hist: m.bits ? Array.from(arrivalHist.counts) : undefined,
        first_recv_ns: firstRecvNs?.toString(), last_recv_ns: lastRecvNs?.toString(),
        cpu: process.cpuUsage(), rss_kb: Math.round(process.memoryUsage().rss / 1024), errors: errors.slice(0, 10),
      });
    } else if (m.type === 'stop') {
      stopping = true;
      for (const s of state) s.conn.close();
      setTimeout(() => process.exit(0), 100);
    }
  });
}
let stopping = false;

// ------------------------------------------------------------------------------------------------ producer

async function producer() {
  const conn = new Connection(o.endpoint, { http: o.http });
  const acked = new Uint8Array(o.max_ids >> 3);
  const fill = Buffer.alloc(o.record_size);
  for (let i = 0; i < fill.length; i += 1) fill[i] = (i * 7919) & 0xff;
  const perBatch = (o.rate_mib * 1048576 * o.batch_ms) / 1000 / o.record_size;
  let carry = 0;
  let id = 0;
  let ackedCount = 0;
  let ackedBytes = 0;
  let failed = 0;
  let errors = 0;
  let inflight = 0;
  let skipped = 0;
  const t0 = Date.now();
  const startNs = process.hrtime.bigint();
  let next = performance.now();
  while (Date.now() - t0 < o.duration * 1000) {
    carry += perBatch;
    const n = Math.floor(carry);
    carry -= n;
    if (n > 0 && inflight < o.inflight) {
      const ids = [];
      const records = [];
      for (let i = 0; i < n && i < 500; i += 1) {
        const myId = id++;
        ids.push(myId);
        const b = Buffer.from(fill);
        stampRecord(b, myId, process.hrtime.bigint());
        records.push({ Data: b.toString('base64'), PartitionKey: `pk-${myId}` });
      }
      inflight += 1;
      conn.call('PutRecords', { StreamName: o.stream, Records: records }).then((r) => {
        r.Records.forEach((e, i) => {
          if (e.ErrorCode) failed += 1;
          else {
            acked[ids[i] >> 3] |= 1 << (ids[i] & 7);
            ackedCount += 1;
            ackedBytes += o.record_size;
          }
        });
      }).catch(() => { errors += 1; failed += ids.length; }).finally(() => { inflight -= 1; });
    } else if (n > 0) {
      skipped += n;
    }
    next += o.batch_ms;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
  }
  while (inflight > 0) await sleep(5);
  const secs = Number(process.hrtime.bigint() - startNs) / 1e9;
  process.send({ type: 'done', max_id: id, acked: ackedCount, acked_bytes: ackedBytes, failed, errors,
    skipped_over_inflight: skipped, seconds: secs, bits: Buffer.from(acked.buffer, 0, (id >> 3) + 1).toString('base64'),
    cpu: process.cpuUsage(), start_ns: startNs.toString() });
  conn.close();
  setTimeout(() => process.exit(0), 100);
}

// ------------------------------------------------------------------------------------------------ coordinator

function ask(child, msg, type) {
  return new Promise((resolve) => {
    const h = (m) => {
      if (m.type === type) {
        child.off('message', h);
        resolve(m);
      }
    };
    child.on('message', h);
    if (msg) child.send(msg);
  });
}

async function coordinator() {
  const ctl = new Connection(o.endpoint, { http: o.http });
  const name = `efo-fan-${process.pid}-${Date.now().toString(36)}`;
  const arn = await createStream(ctl, name, o.shards);
  const consumers = await registerConsumers(ctl, arn, o.consumers, `fan-${process.pid}`);
  const workers = [];
  for (let w = 0; w < Math.min(o.workers, consumers.length); w += 1) {
    workers.push(fork(self, ['--role', 'consumer', '--max-ids', String(o.max_ids)], { stdio: 'inherit' }));
  }
  const share = workers.map(() => []);
  consumers.forEach((c, i) => share[i % workers.length].push(c));
  const ready = await Promise.all(workers.map((w, i) => ask(w, { type: 'start', consumers: share[i], shards: o.shards,
    endpoint: o.endpoint, http: o.http }, 'ready')));
  const opened = ready.reduce((a, r) => a + r.opened, 0);
  const needed = ready.reduce((a, r) => a + r.needed, 0);
  if (opened < needed) throw new Error(`only ${opened}/${needed} subscriptions opened: ${JSON.stringify(ready.map((r) => r.errors))}`);
  await sleep(500);

  const before = await procStats(o.server_pid);
  const tStart = Date.now();
  const prod = fork(self, ['--role', 'producer', '--stream', name, '--endpoint', o.endpoint, '--http', o.http,
    '--rate-mib', String(o.rate_mib), '--record-size', String(o.record_size), '--duration', String(o.duration),
    '--batch-ms', String(o.batch_ms), '--max-ids', String(o.max_ids), '--inflight', String(o.inflight)],
  { stdio: 'inherit' });
  const mid = [];
  const sampler = setInterval(async () => { mid.push(await procStats(o.server_pid)); }, 1000);
  const done = await ask(prod, null, 'done');
  // wait until every consumer has every acknowledged record
  const deadline = Date.now() + o.drain_timeout * 1000;
  let reports;
  for (;;) {
    reports = await Promise.all(workers.map((w) => ask(w, { type: 'report' }, 'report')));
    const minRecv = Math.min(...reports.flatMap((r) => r.consumers.map((c) => c.received)));
    if (minRecv >= done.acked || Date.now() > deadline) break;
    await sleep(250);
  }
  const tCaught = Date.now();
  clearInterval(sampler);
  const after = await procStats(o.server_pid);
  reports = await Promise.all(workers.map((w) => ask(w, { type: 'report', bits: done.max_id }, 'report')));
  for (const w of workers) w.send({ type: 'stop' });

  const ackedBits = Buffer.from(done.bits, 'base64');
  const hist = new Histogram();
  const arrivalHist = new Histogram();
  let delivered = 0;
  const perConsumer = [];
  let lastRecvNs = 0n;
  for (const r of reports) {
    hist.merge(new Histogram(r.hist));
    arrivalHist.merge(new Histogram(r.arrival_hist));
    if (r.last_recv_ns && BigInt(r.last_recv_ns) > lastRecvNs) lastRecvNs = BigInt(r.last_recv_ns);
    for (const c of r.consumers) {
      const bits = Buffer.from(c.bits, 'base64');
      let missing = 0;
      let extra = 0;
      for (let i = 0; i < ackedBits.length; i += 1) {
        const a = ackedBits[i];
        const b = bits[i] ?? 0;
        missing += popcount(a & ~b & 0xff);
        extra += popcount(b & ~a & 0xff);
      }
      delivered += c.bytes;
      perConsumer.push({ received: c.received, missing, extra_unacked: extra, duplicates: c.dup, resubscribes: c.ends,
        events_parsed_slowly: c.parsed });
    }
  }
  const spanS = lastRecvNs > 0n ? Number(lastRecvNs - BigInt(done.start_ns)) / 1e9 : (tCaught - tStart) / 1000;
  const cpuS = before && after ? after.cpu_s - before.cpu_s : null;
  const readBytes = before && after && after.read_bytes != null ? after.read_bytes - before.read_bytes : null;
  const MB = 1e6;
  const out = {
    schema: 'sluice-bench/v1', scenario: 'efo_fanout', target: o.target_name, http: o.http,
    consumers: o.consumers, shards: o.shards, subscriptions: needed, rate_mib: o.rate_mib,
    record_size: o.record_size, duration_s: o.duration,
    produced: { records: done.acked, bytes: done.acked_bytes, failed: done.failed, errors: done.errors,
      seconds: +done.seconds.toFixed(2), mib_per_s: +(done.acked_bytes / 1048576 / done.seconds).toFixed(3),
      skipped_over_inflight: done.skipped_over_inflight },
    every_consumer_got_every_record: perConsumer.every((c) => c.missing === 0 && c.duplicates === 0),
    consumers_missing: perConsumer.reduce((a, c) => a + c.missing, 0),
    consumers_duplicates: perConsumer.reduce((a, c) => a + c.duplicates, 0),
    delivered_bytes: delivered, delivered_mb_per_s: +(delivered / MB / spanS).toFixed(3),
    catch_up_after_last_put_s: +((tCaught - tStart) / 1000 - done.seconds).toFixed(2),
    latency: hist.summary(), // producer send -> event received (includes the PutRecords call)
    // ApproximateArrivalTimestamp (server wall clock, ms) of each event's first record -> event received
    arrival_to_event: arrivalHist.summary(),
    server: before && after ? {
      cpu_s: +cpuS.toFixed(3), cpu_s_per_delivered_mb: +(cpuS / (delivered / MB)).toFixed(5),
      cpu_pct_of_one_core: +((100 * cpuS) / ((tCaught - tStart) / 1000)).toFixed(1),
      rss_kb_before: before.rss_kb, rss_kb_after: after.rss_kb, hwm_kb: after.hwm_kb,
      rss_kb_max_sampled: Math.max(after.rss_kb, ...mid.filter(Boolean).map((s) => s.rss_kb)),
      disk_read_bytes: readBytes, disk_write_bytes: after.write_bytes != null ? after.write_bytes - before.write_bytes : null,
      disk_read_le_written: readBytes == null ? null : readBytes <= done.acked_bytes,
    } : null,
    clients: { consumer_cpu_s: +reports.reduce((a, r) => a + (r.cpu.user + r.cpu.system) / 1e6, 0).toFixed(2),
      producer_cpu_s: +((done.cpu.user + done.cpu.system) / 1e6).toFixed(2),
      consumer_rss_kb: reports.map((r) => r.rss_kb) },
    errors: reports.flatMap((r) => r.errors).slice(0, 5),
    per_consumer: perConsumer,
  };
  out.ok = out.every_consumer_got_every_record && done.failed === 0;
  console.log(JSON.stringify(out));
  ctl.close();
  setTimeout(() => process.exit(0), 300);
}

function popcount(x) {
  let n = 0;
  for (let v = x; v; v &= v - 1) n += 1;
  return n;
}

const role = o.role;
const run = role === 'consumer' ? consumerWorker : role === 'producer' ? producer : coordinator;
run().catch((e) => {
  console.log(JSON.stringify({ schema: 'sluice-bench/v1', scenario: 'efo_fanout', target: o.target_name, role,
    ok: false, error: String((e && e.stack) || e) }));
  process.exit(1);
});
