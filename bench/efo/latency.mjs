// Benchmark (a): put -> event latency on one shard. One producer PutRecord at --rate records/s, one consumer
// subscribed (LATEST) on the same stream; every record carries its send time. Prints one JSON line:
// send->event and ack->event percentiles, records lost or duplicated, server CPU and RSS.
//
//   node bench/efo/latency.mjs --endpoint http://127.0.0.1:4567 [--rate 100] [--duration 20] [--warmup 2]
//        [--http 2|1.1] [--record-size 100] [--server-pid PID] [--target-name sluice]

import {
  Connection, Histogram, createStream, parseArgs, procStats, readStamp, registerConsumers, shardId, sleep,
  stampRecord, subscribe,
} from './efo-client.mjs';

const o = parseArgs(process.argv.slice(2), { endpoint: 'http://127.0.0.1:4567', rate: 100, duration: 20, warmup: 2,
  http: '2', record_size: 100, server_pid: 0, target_name: 'sluice' });

async function main() {
  const ctl = new Connection(o.endpoint, { http: o.http });
  const name = `efo-lat-${process.pid}-${Date.now().toString(36)}`;
  const arn = await createStream(ctl, name, 1);
  const [consumer] = await registerConsumers(ctl, arn, 1, `lat-${process.pid}`);
  const subConn = new Connection(o.endpoint, { http: o.http });
  const sendNs = new Map();
  const ackNs = new Map();
  const recvSeen = new Set();
  const sendHist = new Histogram();
  const ackHist = new Histogram();
  let dup = 0;
  let measuring = false;
  let events = 0;
  let ended = null;
  let opened;
  const openP = new Promise((r) => { opened = r; });
  const pending = [];  // events that came before their ack
  subscribe(subConn, consumer, shardId(0), { Type: 'LATEST' }, {
    onOpen: (s) => opened(s),
    onEvent: (ev, t) => {
      events += 1;
      for (const r of ev.Records) {
        const { id, tNs } = readStamp(r.Data);
        if (recvSeen.has(id)) dup += 1;
        recvSeen.add(id);
        if (!measuring) continue;
        sendHist.add(Number(t - tNs) / 1000);
        if (ackNs.has(id)) ackHist.add(Math.max(0, Number(t - ackNs.get(id)) / 1000));
        else pending.push([id, t]);
      }
    },
    onEnd: (x) => { ended = x; opened(x.status || 0); },
  });
  const status = await openP;
  if (status !== 200) throw new Error(`SubscribeToShard: ${JSON.stringify(ended)}`);
  await sleep(300);

  const prodConn = new Connection(o.endpoint, { http: o.http });
  const before = await procStats(o.server_pid);
  const t0 = Date.now();
  let id = 0;
  let sent = 0;
  let acked = 0;
  let failed = 0;
  let measuredIds = 0;
  const interval = 1000 / o.rate;
  let next = performance.now();
  const inflight = new Set();
  while (Date.now() - t0 < (o.warmup + o.duration) * 1000) {
    if (!measuring && Date.now() - t0 >= o.warmup * 1000) measuring = true;
    const myId = id++;
    const data = stampRecord(Buffer.alloc(Math.max(16, o.record_size)), myId, process.hrtime.bigint());
    sent += 1;
    if (measuring) measuredIds += 1;
    const p = prodConn.call('PutRecord', { StreamName: name, PartitionKey: `k${myId % 64}`, Data: data.toString('base64') })
      .then(() => { ackNs.set(myId, process.hrtime.bigint()); acked += 1; })
      .catch(() => { failed += 1; })
      .finally(() => inflight.delete(p));
    inflight.add(p);
    next += interval;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all(inflight);
  const deadline = Date.now() + 10000;
  while (recvSeen.size < acked && Date.now() < deadline && !ended) await sleep(20);
  for (const [pid, t] of pending) if (ackNs.has(pid)) ackHist.add(Math.max(0, Number(t - ackNs.get(pid)) / 1000));
  const after = await procStats(o.server_pid);
  const lost = acked - [...ackNs.keys()].filter((k) => recvSeen.has(k)).length;
  const out = {
    schema: 'sluice-bench/v1', scenario: 'efo_put_event_latency', target: o.target_name, http: o.http,
    rate: o.rate, duration_s: o.duration, record_size: o.record_size,
    sent, acked, failed, received: recvSeen.size, lost, duplicates: dup, events,
    early_events: pending.length,
    send_to_event: sendHist.summary(), ack_to_event: ackHist.summary(),
    server: before && after ? { cpu_s: +(after.cpu_s - before.cpu_s).toFixed(3), rss_kb: after.rss_kb,
      hwm_kb: after.hwm_kb } : null,
    subscription_end: ended,
    ok: lost === 0 && dup === 0 && failed === 0,
  };
  console.log(JSON.stringify(out));
  ctl.close(); subConn.close(); prodConn.close();
  process.exit(0);
}

main().catch((e) => {
  console.log(JSON.stringify({ schema: 'sluice-bench/v1', scenario: 'efo_put_event_latency', target: o.target_name,
    ok: false, error: String(e && e.stack || e) }));
  process.exit(1);
});
