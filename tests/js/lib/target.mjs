// Test target management for the Sluice JS SDK suite.
//
// TARGET=sluice (default)   starts $SLUICE_BIN (default ../../build/sluice relative to tests/js)
// TARGET=kinesalite         starts node_modules/.bin/kinesalite (HTTP/1.1 only; used to validate the suite)
//
// Every test file starts its own server on a free loopback port with its own data directory, so files are
// independent and may run in parallel.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KinesisClient } from '@aws-sdk/client-kinesis';

const here = path.dirname(fileURLToPath(import.meta.url));
export const JS_ROOT = path.resolve(here, '..');

export const TARGET = process.env.TARGET || 'sluice';
if (!['sluice', 'kinesalite'].includes(TARGET)) {
  throw new Error(`unknown TARGET=${TARGET} (expected sluice or kinesalite)`);
}
export const REGION = 'us-east-1';
export const ACCOUNT_ID = '000000000000';

// Features the reference emulator (kinesalite 3.3.3, written against the 2015-2019 API) does not implement.
// Tests that need one of them are skipped on kinesalite with the reason below; on Sluice nothing is skipped.
const KINESALITE_LACKS = {
  http2: 'kinesalite speaks HTTP/1.1 only',
  streamArn: 'kinesalite does not accept StreamARN addressing',
  streamMode: 'kinesalite does not implement StreamModeDetails / on-demand streams',
  createTags: 'kinesalite ignores Tags on CreateStream',
  maxRecordSize: 'kinesalite does not implement MaxRecordSizeInKiB / UpdateMaxRecordSize',
  listStreamsToken: 'kinesalite ListStreams has no NextToken / StreamSummaries',
  describeStreamPaging: 'kinesalite DescribeStream ignores Limit / ExclusiveStartShardId',
  listShardsPaging: 'kinesalite ListShards ignores MaxResults and never returns NextToken',
  shardFilter: 'kinesalite ListShards ignores ShardFilter',
  tagResource: 'kinesalite does not implement TagResource / UntagResource / ListTagsForResource',
  describeLimits: 'kinesalite does not implement DescribeLimits',
  accountSettings: 'kinesalite does not implement DescribeAccountSettings',
  modernValidation: 'kinesalite predates the current model constraints',
};

/** Returns false when the feature is supported by the current target, else a skip reason string. */
export function lacks(feature) {
  if (!(feature in KINESALITE_LACKS)) throw new Error(`unknown feature ${feature}`);
  return TARGET === 'kinesalite' ? KINESALITE_LACKS[feature] : false;
}

export async function freePort() {
  return await new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

async function canConnect(port) {
  return await new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (ok) => {
      sock.removeAllListeners();
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
    sock.setTimeout(500, () => done(false));
  });
}

function tail(file, bytes = 4000) {
  try {
    const buf = fs.readFileSync(file);
    return buf.subarray(Math.max(0, buf.length - bytes)).toString('utf8');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts the configured target. Returns { endpoint, port, target, logFile, stop() }.
 * Fails with a clear message when the server does not accept connections within startTimeoutMs.
 */
export async function startServer({ startTimeoutMs = 20000 } = {}) {
  const port = await freePort();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `sluice-js-${TARGET}-`));
  const logFile = path.join(workDir, 'server.log');
  const logFd = fs.openSync(logFile, 'a');
  let cmd;
  let args;
  if (TARGET === 'sluice') {
    cmd = path.resolve(JS_ROOT, process.env.SLUICE_BIN || '../../build/sluice');
    if (!fs.existsSync(cmd)) {
      throw new Error(`Sluice binary not found at ${cmd} (set SLUICE_BIN or build the server first)`);
    }
    const dataDir = path.join(workDir, 'data');
    fs.mkdirSync(dataDir);
    args = ['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir,
      '--region', REGION, '--account-id', ACCOUNT_ID, '--create-stream-delay-ms', '0'];
  } else {
    cmd = process.execPath;
    args = [path.join(JS_ROOT, 'node_modules', 'kinesalite', 'cli.js'), '--port', String(port),
      '--createStreamMs', '0', '--deleteStreamMs', '0', '--updateStreamMs', '0', '--shardLimit', '1000'];
  }
  const child = spawn(cmd, args, { stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });

  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exited) {
      throw new Error(`${TARGET} exited during startup (${JSON.stringify(exited)}): ${cmd} ${args.join(' ')}\n` +
        `--- log tail (${logFile}) ---\n${tail(logFile)}`);
    }
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${TARGET} did not accept connections on 127.0.0.1:${port} within ${startTimeoutMs} ms\n` +
        `--- log tail (${logFile}) ---\n${tail(logFile)}`);
    }
    await sleep(50);
  }

  async function stop() {
    if (!exited) {
      child.kill('SIGTERM');
      const t0 = Date.now();
      while (!exited && Date.now() - t0 < 5000) await sleep(25);
      if (!exited) {
        child.kill('SIGKILL');
        const t1 = Date.now();
        while (!exited && Date.now() - t1 < 2000) await sleep(25);
      }
    }
    if (process.env.KEEP_LOGS) {
      process.stderr.write(`[${TARGET}] server log kept at ${logFile}\n`);
    } else {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  }

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    target: TARGET,
    logFile,
    logTail: (n) => tail(logFile, n),
    isRunning: () => !exited,
    stop,
  };
}

/**
 * Creates a KinesisClient for the server. On Sluice the SDK's own default request handler is used unchanged
 * (NodeHttp2Handler: prior-knowledge h2c on http://). `extra` is merged into the client config.
 */
export async function makeClient(server, extra = {}) {
  const config = {
    endpoint: server.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
    maxAttempts: 1,
    ...extra,
  };
  if (server.target === 'kinesalite' && !('requestHandler' in extra)) {
    // kinesalite runs ONLY: kinesalite is an HTTP/1.1-only server, while @aws-sdk/client-kinesis v3 defaults to
    // HTTP/2 (NodeHttp2Handler) for every Kinesis operation. To validate this suite against kinesalite we swap in
    // the SDK's HTTP/1.1 handler. Sluice runs never take this branch: they test the unmodified client over HTTP/2.
    const { NodeHttpHandler } = await import('@smithy/node-http-handler');
    config.requestHandler = new NodeHttpHandler({ requestTimeout: 30000 });
  }
  return new KinesisClient(config);
}

export function streamArn(name) {
  return `arn:aws:kinesis:${REGION}:${ACCOUNT_ID}:stream/${name}`;
}

let nameCounter = 0;
/** Unique, valid stream name. */
export function uniqueName(prefix = 'js') {
  nameCounter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${nameCounter}`;
}
