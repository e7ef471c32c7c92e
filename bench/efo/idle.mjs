// Benchmark (c): the cost of idle subscriptions. --subscriptions (default 1000) = --consumers (20, AWS's per-stream
// maximum) x shards (subscriptions / consumers) on one stream, all on --connections HTTP/2 sessions (default 1: the
// KCL multiplexes every shard of every consumer on one connection). Measures the server's RSS before and after they
// are open and its CPU over --idle s (default 30) with nothing written, and counts the heartbeats the client gets.
// Prints one JSON line.
//
//   node bench/efo/idle.mjs --endpoint http://127.0.0.1:4567 --server-pid PID [--subscriptions 1000] [--idle 30]
//        [--connections 1] [--http 2|1.1] [--target-name sluice]

import {
  Connection, createStream, parseArgs, procStats, registerConsumers, shardId, sleep, subscribe,
} from './efo-client.mjs';

const o = parseArgs(process.argv.slice(2), { endpoint: 'http://127.0.0.1:4567', subscriptions: 1000, consumers: 20,
  idle: 30, connections: 1, http: '2', server_pid: 0, target_name: 'sluice', open_timeout: 120 });

async function main() {
  const ctl = new Connection(o.endpoint, { http: o.http });
  const shards = Math.ceil(o.subscriptions / o.consumers);
  const name = `efo-idle-${process.pid}-${Date.now().toString(36)}`;
  const arn = await createStream(ctl, name, shards);
  const consumers = await registerConsumers(ctl, arn, o.consumers, `idle-${process.pid}`);
  await sleep(1000);
  const base = await procStats(o.server_pid);
  const conns = Array.from({ length: o.connections }, () => new Connection(o.endpoint, { http: o.http }));
  let opened = 0;
  let events = 0;
  let records = 0;
  const ends = {};
  const failures = [];
  let n = 0;
  const tOpen0 = Date.now();
  for (let s = 0; s < shards && n < o.subscriptions; s += 1) {
    for (const c of consumers) {
      if (n >= o.subscriptions) break;
      const conn = conns[n % conns.length];
      n += 1;
      subscribe(conn, c, shardId(s), { Type: 'LATEST' }, {
        onOpen: (st) => { if (st === 200) opened += 1; },
        onEvent: (ev) => { events += 1; records += ev.Records.length; },
        onEnd: (x) => {
          const k = x.code || x.kind;
          ends[k] = (ends[k] || 0) + 1;
          if (failures.length < 5 && x.kind !== 'end') failures.push({ ...x, err: x.err && String(x.err) });
        },
      });
    }
  }
  const deadline = Date.now() + o.open_timeout * 1000;
  while (opened < n && Date.now() < deadline && Object.keys(ends).length === 0) await sleep(20);
  while (opened < n && Date.now() < deadline) await sleep(20);
  const openS = (Date.now() - tOpen0) / 1000;
  await sleep(3000);
  const open = await procStats(o.server_pid);
  const ev0 = events;
  await sleep(o.idle * 1000);
  const end = await procStats(o.server_pid);
  const heartbeats = events - ev0;
  const rssDelta = open && base ? open.rss_kb - base.rss_kb : null;
  const out = {
    schema: 'sluice-bench/v1', scenario: 'efo_idle_subscriptions', target: o.target_name, http: o.http,
    subscriptions: n, opened, connections: o.connections, consumers: o.consumers, shards, open_seconds: +openS.toFixed(2),
    idle_s: o.idle, heartbeats_during_idle: heartbeats,
    heartbeats_per_subscription_per_min: opened ? +((heartbeats / opened) * (60 / o.idle)).toFixed(2) : null,
    records_during_idle: records,
    ended: ends, failures,
    server: base && open && end ? {
      rss_kb_before: base.rss_kb, rss_kb_open: open.rss_kb, rss_kb_end: end.rss_kb, hwm_kb: end.hwm_kb,
      rss_delta_mb: +(rssDelta / 1024).toFixed(2),
      rss_per_subscription_kb: opened ? +(rssDelta / opened).toFixed(2) : null,
      idle_cpu_s: +(end.cpu_s - open.cpu_s).toFixed(3),
      idle_cpu_pct_of_one_core: +((100 * (end.cpu_s - open.cpu_s)) / o.idle).toFixed(2),
      threads: end.threads,
    } : null,
    client_cpu_s: +((process.cpuUsage().user + process.cpuUsage().system) / 1e6).toFixed(2),
  };
  out.ok = opened === n && rssDelta !== null;
  console.log(JSON.stringify(out));
  for (const c of conns) c.close();
  ctl.close();
  setTimeout(() => process.exit(0), 300);
}

main().catch((e) => {
  console.log(JSON.stringify({ schema: 'sluice-bench/v1', scenario: 'efo_idle_subscriptions', target: o.target_name,
    ok: false, error: String((e && e.stack) || e) }));
  process.exit(1);
});
