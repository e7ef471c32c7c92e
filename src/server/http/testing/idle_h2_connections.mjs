// Memory of idle HTTP/2 connections (docs/performance.md, "Idle connection memory"): opens N HTTP/2 sessions
// (h2c prior knowledge, or TLS with ALPN h2 for an https:// URL; the certificate is not checked) to a running
// server, waits until each has the server's SETTINGS, optionally sends one small request on each (--request 1:
// a pooled stream), holds them --hold s and prints the server's VmRSS before and after, per connection. Node
// built-ins only. Use a fresh server per run: freed heap is not always given back to the system.
//   node idle_h2_connections.mjs --url http://127.0.0.1:4567 --n 1000 --pid PID [--request 1] [--hold 3]
import http2 from 'node:http2';
import fs from 'node:fs';
const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, arr) => (v.startsWith('--') ? [...a, [v.slice(2), arr[i + 1]]] : a), []));
const url = args.url || 'http://127.0.0.1:4567';
const n = Number(args.n || 1000);
const pid = Number(args.pid);
const hold = Number(args.hold || 3);
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
await sleep(500);
const before = rss();
const sessions = [];
let ready = 0;
for (let i = 0; i < n; i += 1) {
  const s = http2.connect(url, { rejectUnauthorized: false });
  s.on('remoteSettings', () => { ready += 1; });
  s.on('error', (e) => { console.error('session error', e.message); });
  sessions.push(s);
  if (i % 50 === 49) await sleep(20);
}
while (ready < n) await sleep(50);
// One request on each session, optionally (GET of an unknown path: a 404), so each connection pools a stream.
if (args.request) {
  await Promise.all(sessions.map((s) => new Promise((res) => {
    const r = s.request({ ':method': 'GET', ':path': '/nothing' });
    r.on('response', () => {}); r.resume(); r.on('end', res); r.on('error', res);
  })));
}
await sleep(hold * 1000);
const after = rss();
console.log(JSON.stringify({ url, n, rss_before_kb: before, rss_after_kb: after, per_conn_kb: +((after - before) / n).toFixed(2) }));
for (const s of sessions) s.close();
await sleep(500);
