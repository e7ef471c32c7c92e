// A small Kinesis client for the fan-out benchmarks: AWS JSON 1.1 calls and SubscribeToShard over HTTP/2
// (node:http2, prior-knowledge h2c: many streams on one session, as the KCL does) or HTTP/1.1 (node:http, chunked),
// SigV4-signed with node:crypto, and an event-stream decoder that checks both CRCs. No dependencies beyond node >= 20.
//
// Written for measuring, not as a reference client: see tests/integration (boto3) and tests/js (the SDK) for the
// conformance suites.

import crypto from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import zlib from 'node:zlib';

export const REGION = 'us-east-1';
const AKID = 'AKIDSLUICEBENCH';
const SECRET = 'sluice-bench-secret';

const hmac = (key, s) => crypto.createHmac('sha256', key).update(s).digest();
const sha256hex = (b) => crypto.createHash('sha256').update(b).digest('hex');

/** SigV4 headers for a POST / with the given target and body. */
export function signedHeaders(host, target, body) {
  const now = new Date();
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers = {
    'content-type': 'application/x-amz-json-1.1',
    host,
    'x-amz-date': amzDate,
    'x-amz-target': `Kinesis_20131202.${target}`,
  };
  const names = Object.keys(headers).sort();
  const canonical = ['POST', '/', '', ...names.map((n) => `${n}:${headers[n]}`), '', names.join(';'),
    sha256hex(body)].join('\n');
  const scope = `${day}/${REGION}/kinesis/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonical)].join('\n');
  let k = hmac(`AWS4${SECRET}`, day);
  k = hmac(k, REGION);
  k = hmac(k, 'kinesis');
  k = hmac(k, 'aws4_request');
  const sig = crypto.createHmac('sha256', k).update(toSign).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${AKID}/${scope}, SignedHeaders=${names.join(';')}, ` +
    `Signature=${sig}`;
  return headers;
}

// ------------------------------------------------------------------------------------------------ event stream

/** Decodes application/vnd.amazon.eventstream messages from arbitrary chunks; checks prelude and message CRCs. */
export class EventStreamDecoder {
  constructor(onMessage) {
    this.onMessage = onMessage;
    this.chunks = [];
    this.have = 0;
  }

  push(chunk) {
    this.chunks.push(chunk);
    this.have += chunk.length;
    for (;;) {
      if (this.have < 12) return;
      let head = this.chunks[0];
      if (head.length < 12) head = this.#gather(12);
      const total = head.readUInt32BE(0);
      if (total < 16 || total > 32 * 1024 * 1024) throw new Error(`event-stream message length ${total}`);
      if (this.have < total) return;
      const msg = this.#take(total);
      this.#decode(msg);
    }
  }

  #gather(n) {
    const b = Buffer.concat(this.chunks);
    this.chunks = [b];
    return b;
  }

  #take(n) {
    let b = this.chunks[0];
    if (b.length < n) b = this.#gather(n);
    const msg = b.subarray(0, n);
    const rest = b.subarray(n);
    this.chunks = rest.length ? [rest, ...this.chunks.slice(1)] : this.chunks.slice(1);
    this.have -= n;
    return msg;
  }

  #decode(msg) {
    const total = msg.readUInt32BE(0);
    const hlen = msg.readUInt32BE(4);
    if (zlib.crc32(msg.subarray(0, 8)) !== msg.readUInt32BE(8)) throw new Error('event-stream prelude CRC mismatch');
    if (zlib.crc32(msg.subarray(0, total - 4)) !== msg.readUInt32BE(total - 4)) {
      throw new Error('event-stream message CRC mismatch');
    }
    const headers = {};
    let p = 12;
    const end = 12 + hlen;
    while (p < end) {
      const nlen = msg[p];
      const name = msg.toString('utf8', p + 1, p + 1 + nlen);
      p += 1 + nlen;
      const type = msg[p];
      p += 1;
      let v;
      switch (type) {
        case 0: v = true; break;
        case 1: v = false; break;
        case 2: v = msg.readInt8(p); p += 1; break;
        case 3: v = msg.readInt16BE(p); p += 2; break;
        case 4: v = msg.readInt32BE(p); p += 4; break;
        case 5: case 8: v = msg.readBigInt64BE(p); p += 8; break;
        case 6: case 7: {
          const l = msg.readUInt16BE(p);
          v = type === 7 ? msg.toString('utf8', p + 2, p + 2 + l) : msg.subarray(p + 2, p + 2 + l);
          p += 2 + l;
          break;
        }
        case 9: v = msg.subarray(p, p + 16); p += 16; break;
        default: throw new Error(`event-stream header type ${type}`);
      }
      headers[name] = v;
    }
    this.onMessage(headers, msg.subarray(end, total - 4));
  }
}

// ------------------------------------------------------------------------------------------------ transports

/**
 * One connection to the server. http: '2' (one h2 session, every call a stream on it) or '1.1' (keep-alive agent,
 * one socket per concurrent call).
 */
export class Connection {
  constructor(endpoint, { http: version = '2', maxSessionMemory = 256, streamWindow = 512 * 1024,
    connectionWindow = 8 * 1024 * 1024 } = {}) {
    this.url = new URL(endpoint);
    this.host = this.url.host;
    this.version = version;
    if (version === '2') {
      // The KCL's Netty client opens streams with a 512 KiB window; the connection window is raised so that many
      // streams of one session do not wait on each other.
      this.session = http2.connect(endpoint, { maxSessionMemory, peerMaxConcurrentStreams: 100000,
        settings: { initialWindowSize: streamWindow } });
      this.session.on('connect', () => this.session.setLocalWindowSize(connectionWindow));
      this.session.on('error', (e) => { this.error = e; });
    } else {
      this.agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
    }
  }

  /** Starts a POST; calls onResponse(status, headers), onData(chunk), onEnd(err). Returns a cancel function. */
  request(target, bodyObj, { onResponse, onData, onEnd }) {
    const body = Buffer.from(JSON.stringify(bodyObj));
    const headers = signedHeaders(this.host, target, body);
    let finished = false;
    const finish = (err) => {
      if (!finished) {
        finished = true;
        onEnd(err);
      }
    };
    if (this.version === '2') {
      const h = { ':method': 'POST', ':path': '/', ...headers, 'content-length': String(body.length) };
      delete h.host;
      h[':authority'] = this.host;
      let stream;
      try {
        stream = this.session.request(h);
      } catch (e) {
        queueMicrotask(() => finish(e));
        return () => {};
      }
      stream.on('response', (hd) => onResponse(hd[':status'], hd));
      stream.on('data', onData);
      stream.on('end', () => finish(null));
      stream.on('error', (e) => finish(e));
      stream.on('close', () => finish(stream.rstCode ? new Error(`RST_STREAM ${stream.rstCode}`) : null));
      stream.end(body);
      return () => stream.close(http2.constants.NGHTTP2_CANCEL);
    }
    const req = http.request({ host: this.url.hostname, port: this.url.port, method: 'POST', path: '/',
      agent: this.agent, headers: { ...headers, 'content-length': body.length } }, (res) => {
      onResponse(res.statusCode, res.headers);
      res.on('data', onData);
      res.on('end', () => finish(null));
      res.on('error', (e) => finish(e));
      res.on('aborted', () => finish(new Error('aborted')));
    });
    req.on('error', (e) => finish(e));
    req.end(body);
    return () => req.destroy();
  }

  /** One JSON call; resolves to the parsed body, rejects with {code, status, message}. */
  call(target, body) {
    return new Promise((resolve, reject) => {
      let status = 0;
      const parts = [];
      this.request(target, body, {
        onResponse: (s) => { status = s; },
        onData: (c) => parts.push(c),
        onEnd: (err) => {
          if (err) return reject(err);
          const text = Buffer.concat(parts).toString('utf8');
          let j = {};
          try { j = text ? JSON.parse(text) : {}; } catch { j = { raw: text }; }
          if (status !== 200) {
            const e = new Error(`${target}: HTTP ${status} ${text.slice(0, 200)}`);
            e.code = (j.__type || '').split('#').pop();
            e.status = status;
            return reject(e);
          }
          resolve(j);
        },
      });
    });
  }

  close() {
    if (this.session) this.session.close();
    if (this.agent) this.agent.destroy();
  }
}

/**
 * SubscribeToShard. Handlers: onOpen(status), onEvent(eventObj, tRecvNs, payloadBytes) for SubscribeToShardEvent,
 * onEnd({kind: 'end'|'error'|'http', code, err}). `parse: false` hands the raw payload Buffer instead of an object.
 */
export function subscribe(conn, consumerArn, shardId, position, handlers, { parse = true } = {}) {
  let status = 0;
  let errBody = [];
  let initial = false;
  let ended = false;
  const end = (x) => {
    if (!ended) {
      ended = true;
      handlers.onEnd?.(x);
    }
  };
  const dec = new EventStreamDecoder((h, payload) => {
    const t = process.hrtime.bigint();
    const mt = h[':message-type'];
    if (mt === 'event' && h[':event-type'] === 'initial-response') {
      initial = true;
      return;
    }
    if (mt === 'event' && h[':event-type'] === 'SubscribeToShardEvent') {
      handlers.onEvent?.(parse ? JSON.parse(payload.toString('utf8')) : payload, t, payload.length);
      return;
    }
    end({ kind: 'error', code: h[':exception-type'] || h[':error-code'] || mt, message: payload.toString('utf8') });
  });
  const cancel = conn.request('SubscribeToShard', { ConsumerARN: consumerArn, ShardId: shardId,
    StartingPosition: position }, {
    onResponse: (s) => {
      status = s;
      handlers.onOpen?.(s);
    },
    onData: (c) => {
      if (status !== 200) {
        errBody.push(c);
        return;
      }
      try {
        dec.push(c);
      } catch (e) {
        end({ kind: 'error', code: 'DecodeError', err: e });
        cancel();
      }
    },
    onEnd: (err) => {
      if (status !== 200 && status !== 0) {
        const text = Buffer.concat(errBody).toString('utf8');
        let code = '';
        try { code = (JSON.parse(text).__type || '').split('#').pop(); } catch { /* not JSON */ }
        end({ kind: 'http', status, code, message: text });
      } else {
        end(err ? { kind: 'error', err } : { kind: 'end', initial });
      }
    },
  });
  return { cancel, get initial() { return initial; } };
}

// ------------------------------------------------------------------------------------------------ control plane

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function createStream(conn, name, shards) {
  await conn.call('CreateStream', { StreamName: name, ShardCount: shards });
  for (let i = 0; i < 600; i += 1) {
    const d = await conn.call('DescribeStreamSummary', { StreamName: name });
    if (d.StreamDescriptionSummary.StreamStatus === 'ACTIVE') return d.StreamDescriptionSummary.StreamARN;
    await sleep(50);
  }
  throw new Error(`stream ${name} not ACTIVE`);
}

/** Registers `n` consumers (retrying LimitExceeded) and waits until all are ACTIVE. Returns their ARNs. */
export async function registerConsumers(conn, streamArn, n, prefix = 'bench') {
  const arns = [];
  for (let i = 0; i < n; i += 1) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const r = await conn.call('RegisterStreamConsumer', { StreamARN: streamArn, ConsumerName: `${prefix}-${i}` });
        arns.push(r.Consumer.ConsumerARN);
        break;
      } catch (e) {
        if (e.code !== 'LimitExceededException' || attempt > 200) throw e;
        await sleep(200);
      }
    }
  }
  for (const arn of arns) {
    for (let i = 0; ; i += 1) {
      const d = await conn.call('DescribeStreamConsumer', { ConsumerARN: arn });
      if (d.ConsumerDescription.ConsumerStatus === 'ACTIVE') break;
      if (i > 600) throw new Error(`consumer ${arn} not ACTIVE`);
      await sleep(50);
    }
  }
  return arns;
}

export const shardId = (i) => `shardId-${String(i).padStart(12, '0')}`;

// ------------------------------------------------------------------------------------------------ measuring

/** Log-bucketed histogram (2% relative error) of microseconds; mergeable by adding counts. */
export class Histogram {
  constructor(counts) {
    this.counts = counts ? Float64Array.from(counts) : new Float64Array(1200);
    this.n = this.counts.reduce((a, b) => a + b, 0);
  }

  add(us) {
    const i = us <= 1 ? 0 : Math.min(this.counts.length - 1, Math.ceil(Math.log(us) / Math.log(1.02)));
    this.counts[i] += 1;
    this.n += 1;
  }

  merge(other) {
    for (let i = 0; i < this.counts.length; i += 1) this.counts[i] += other.counts[i];
    this.n += other.n;
  }

  quantileMs(q) {
    if (this.n === 0) return null;
    let want = q * this.n;
    for (let i = 0; i < this.counts.length; i += 1) {
      want -= this.counts[i];
      if (want <= 0) return (1.02 ** i) / 1000;
    }
    return (1.02 ** (this.counts.length - 1)) / 1000;
  }

  summary() {
    const r = (x) => (x == null ? null : Math.round(x * 1000) / 1000);
    return { count: this.n, p50_ms: r(this.quantileMs(0.5)), p90_ms: r(this.quantileMs(0.9)),
      p99_ms: r(this.quantileMs(0.99)), p999_ms: r(this.quantileMs(0.999)), max_ms: r(this.quantileMs(1)) };
  }
}

/** CPU seconds (user+system), RSS/HWM (kB) and storage read/write bytes of a process, from /proc. */
export async function procStats(pid) {
  const fs = await import('node:fs');
  if (!pid) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number((status.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm')) || [])[1] || -1);
    let io = {};
    try {
      io = Object.fromEntries(fs.readFileSync(`/proc/${pid}/io`, 'utf8').trim().split('\n')
        .map((l) => l.split(': ')).map(([k, v]) => [k, Number(v)]));
    } catch { /* not readable */ }
    return { cpu_s: (Number(f[11]) + Number(f[12])) / 100, rss_kb: kb('VmRSS'), hwm_kb: kb('VmHWM'),
      read_bytes: io.read_bytes ?? null, write_bytes: io.write_bytes ?? null, rchar: io.rchar ?? null,
      threads: kb('Threads') };
  } catch {
    return null;
  }
}

/** Parses --key value command-line flags into an object (numbers converted). */
export function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const k = a.slice(2).replace(/-/g, '_');
    const v = argv[i + 1];
    i += 1;
    out[k] = typeof defaults[k] === 'number' ? Number(v) : v;
  }
  return out;
}

/** 16-byte record header: id (u64) and the producer's send time (CLOCK_MONOTONIC ns, same clock in every process). */
export function stampRecord(buf, id, tNs) {
  buf.writeBigUInt64BE(BigInt(id), 0);
  buf.writeBigUInt64BE(tNs, 8);
  return buf;
}

/** Reads the header back from a record's base64 Data without decoding the rest. */
export function readStamp(b64) {
  const b = Buffer.from(b64.slice(0, 24), 'base64');
  return { id: Number(b.readBigUInt64BE(0)), tNs: b.readBigUInt64BE(8) };
}

const DATA_KEY = Buffer.from('"Data":"');
const SEQ_KEY = Buffer.from('"SequenceNumber"');
const CONT_KEY = Buffer.from('"ContinuationSequenceNumber":"');
const ARRIVAL_KEY = Buffer.from('"ApproximateArrivalTimestamp":');
const QUOTE = 0x22;

function countOf(buf, key) {
  let n = 0;
  for (let p = buf.indexOf(key); p >= 0; p = buf.indexOf(key, p + key.length)) n += 1;
  return n;
}

/**
 * Reads a SubscribeToShardEvent JSON payload without JSON.parse (the fan-out benchmark's consumers would otherwise
 * spend a core parsing 100 MB/s of base64): each record's stamp and data length, and the continuation. Returns null
 * when the payload is not written the compact way this expects (one "Data":" per "SequenceNumber"); the caller then
 * parses it properly.
 */
export function scanEvent(payload) {
  const records = [];
  for (let p = payload.indexOf(DATA_KEY); p >= 0; p = payload.indexOf(DATA_KEY, p)) {
    const start = p + DATA_KEY.length;
    const end = payload.indexOf(QUOTE, start);
    if (end < 0) return null;
    const b = Buffer.from(payload.toString('latin1', start, start + 24), 'base64');
    let pad = 0;
    if (payload[end - 1] === 0x3d) pad = payload[end - 2] === 0x3d ? 2 : 1;
    records.push({ id: Number(b.readBigUInt64BE(0)), tNs: b.readBigUInt64BE(8), len: ((end - start) / 4) * 3 - pad });
    p = end + 1;
  }
  if (records.length !== countOf(payload, SEQ_KEY)) return null;
  let cont = null;
  const c = payload.indexOf(CONT_KEY);
  if (c >= 0) {
    const start = c + CONT_KEY.length;
    cont = payload.toString('latin1', start, payload.indexOf(QUOTE, start));
  }
  // the first record's arrival time (epoch seconds in JSON): the event's oldest record, for arrival -> event delay
  let firstArrivalMs = null;
  const a = payload.indexOf(ARRIVAL_KEY);
  if (a >= 0) {
    const start = a + ARRIVAL_KEY.length;
    let end = start;
    while (end < payload.length && payload[end] !== 0x2c && payload[end] !== 0x7d) end += 1;
    firstArrivalMs = Number(payload.toString('latin1', start, end)) * 1000;
  }
  return { records, cont, firstArrivalMs };
}

/** Decoded length of a base64 string. */
export function b64len(s) {
  let pad = 0;
  if (s.endsWith('==')) pad = 2;
  else if (s.endsWith('=')) pad = 1;
  return (s.length / 4) * 3 - pad;
}
