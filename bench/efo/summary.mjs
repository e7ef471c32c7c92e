// Prints a table of one run of bench/efo.sh: node bench/efo/summary.mjs bench/results/efo.jsonl [RUN_ID]
import fs from 'node:fs';

const [file, run] = process.argv.slice(2);
const lines = fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const want = run ?? lines.at(-1)?.run;
const rows = lines.filter((l) => l.run === want);
const f = (x, d = 2) => (x == null ? '-' : typeof x === 'number' ? x.toFixed(d) : String(x));
console.log(`fan-out benchmarks, run ${want} (load average before each: ${[...new Set(rows.map((r) => r.loadavg_before))].join(' / ')})`);
for (const r of rows) {
  if (r.error) {
    console.log(`${r.target} ${r.scenario ?? ''}: FAILED ${r.error.split('\n')[0]}`);
  } else if (r.scenario === 'efo_put_event_latency') {
    console.log(`${r.target} latency @${r.rate}/s over HTTP/${r.http}: send->event p50 ${f(r.send_to_event.p50_ms)} ms ` +
      `p99 ${f(r.send_to_event.p99_ms)} ms; ack->event p50 ${f(r.ack_to_event.p50_ms)} p99 ${f(r.ack_to_event.p99_ms)} ms; ` +
      `lost ${r.lost} dup ${r.duplicates}`);
  } else if (r.scenario === 'efo_fanout') {
    const s = r.server ?? {};
    console.log(`${r.target} fanout ${r.consumers}x${r.shards} @${r.produced.mib_per_s} MiB/s written: ` +
      `every consumer got every record: ${r.every_consumer_got_every_record} (missing ${r.consumers_missing}, dup ` +
      `${r.consumers_duplicates}); delivered ${f(r.delivered_mb_per_s)} MB/s; p50 ${f(r.latency.p50_ms)} p99 ` +
      `${f(r.latency.p99_ms)} ms (arrival->event p99 ${f(r.arrival_to_event?.p99_ms)} ms); server ${f(s.cpu_s_per_delivered_mb, 4)} CPU-s/MB, RSS ${f(s.rss_kb_max_sampled / 1024, 1)} MB, ` +
      `disk read ${s.disk_read_bytes} B vs ${r.produced.bytes} B written`);
  } else if (r.scenario === 'efo_idle_subscriptions') {
    const s = r.server ?? {};
    console.log(`${r.target} idle: ${r.opened}/${r.subscriptions} subscriptions on ${r.connections} connection(s): ` +
      `RSS +${f(s.rss_delta_mb, 1)} MB (${f(s.rss_per_subscription_kb, 1)} kB each), CPU ${f(s.idle_cpu_pct_of_one_core)}% ` +
      `of a core over ${r.idle_s} s, ${f(r.heartbeats_per_subscription_per_min)} heartbeats/subscription/min`);
  }
}
