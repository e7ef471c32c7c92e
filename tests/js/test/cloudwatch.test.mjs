// CloudWatch-compatible API through the unmodified @aws-sdk/client-cloudwatch v3 client, on Sluice's main port.
//
// Protocol: @aws-sdk/client-cloudwatch 3.1143.0 defaults to AWS JSON 1.0 (its runtime config sets
// `protocol: config?.protocol ?? AwsJson1_0Protocol` with `awsQueryCompatible: true`, target prefix
// GraniteServiceVersion20100801) over HTTP/1.1 (NodeHttpHandler). The same client also ships the Smithy RPC v2
// CBOR and AWS Query protocol implementations (@aws-sdk/core/protocols); passing them as `protocol` exercises
// Sluice's other two CloudWatch front ends with AWS's own client-side codecs, so every scenario below runs three
// times. Expected values are AWS's documented behaviour (exact Sum/SampleCount/Min/Max, exact dimension sets,
// CloudWatch error codes), not Sluice's implementation.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { REGION, startServer, TARGET } from '../lib/target.mjs';
import { assertOk, describeErr, sleep } from '../lib/util.mjs';

const skip = TARGET !== 'sluice' ? 'the CloudWatch API is Sluice\'s: the reference emulators have none' : false;

let server;
before(async () => {
  if (!skip) server = await startServer();
});
after(async () => {
  await server?.stop();
});

const PROTOCOLS = [
  ['default (AWS JSON 1.0)', undefined],
  ['Smithy RPC v2 CBOR', AwsSmithyRpcV2CborProtocol],
  ['AWS Query', AwsQueryProtocol],
];

function makeCw(protocol, seen) {
  const client = new CloudWatchClient({
    endpoint: server.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
    maxAttempts: 1,
    ...(protocol ? { protocol } : {}),
  });
  if (seen) {
    client.middlewareStack.add((next) => async (args) => {
      seen.push({ path: args.request.path, headers: { ...args.request.headers } });
      return next(args);
    }, { step: 'finalizeRequest', name: 'captureRequest' });
  }
  return client;
}

/** Start of the minute `n` minutes before the current one. */
function minuteAgo(n) {
  const now = Date.now();
  return new Date(now - (now % 60000) - n * 60000);
}

async function poll(fn, what, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) assert.fail(`${what} not reached within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
    await sleep(250);
  }
}

for (const [label, protocol] of PROTOCOLS) {
  describe(`CloudWatch via ${label}`, { skip }, () => {
    let cw;
    const seen = [];
    const ns = `Sluice/JS/${randomUUID().slice(0, 8)}`;
    const t = minuteAgo(3);
    const dims = [{ Name: 'Host', Value: 'a' }, { Name: 'Zone', Value: 'z1' }];
    before(() => {
      cw = makeCw(protocol, seen);
    });
    after(() => cw?.destroy());

    test('the client speaks the expected wire protocol', async () => {
      const r = await cw.send(new ListMetricsCommand({ Namespace: ns }));
      assertOk(r, 'ListMetrics');
      assert.deepEqual(r.Metrics ?? [], []);
      const req = seen.at(-1);
      const h = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
      if (!protocol) {
        assert.equal(h['x-amz-target'], 'GraniteServiceVersion20100801.ListMetrics');
        assert.match(h['content-type'], /^application\/x-amz-json-1\.0/);
      } else if (protocol === AwsSmithyRpcV2CborProtocol) {
        assert.equal(req.path, '/service/GraniteServiceVersion20100801/operation/ListMetrics');
        assert.equal(h['smithy-protocol'], 'rpc-v2-cbor');
        assert.equal(h['x-amz-target'], undefined);
      } else {
        assert.match(h['content-type'], /^application\/x-www-form-urlencoded/);
      }
      assert.match(h.authorization, /\/monitoring\/aws4_request/);
    });

    test('PutMetricData then GetMetricStatistics gives exact statistics', async () => {
      const put = await cw.send(new PutMetricDataCommand({
        Namespace: ns,
        MetricData: [
          { MetricName: 'Lat', Dimensions: dims, Timestamp: new Date(t.getTime() + 5000), Value: 4, Unit: 'Milliseconds' },
          { MetricName: 'Lat', Dimensions: dims, Timestamp: new Date(t.getTime() + 6500), Values: [1, 2, 10],
            Counts: [1, 2, 1], Unit: 'Milliseconds' },
          { MetricName: 'Lat', Dimensions: dims, Timestamp: new Date(t.getTime() + 7000),
            // Minimum = Maximum: percentiles stay available (AWS: not so for a set with Minimum != Maximum)
            StatisticValues: { SampleCount: 2, Sum: 50, Minimum: 25, Maximum: 25 }, Unit: 'Milliseconds' },
        ],
      }));
      assertOk(put, 'PutMetricData');
      const end = new Date(t.getTime() + 60000);
      const dp = await poll(async () => {
        const r = await cw.send(new GetMetricStatisticsCommand({
          Namespace: ns, MetricName: 'Lat', Dimensions: [dims[1], dims[0]], StartTime: t, EndTime: end, Period: 60,
          Statistics: ['Sum', 'SampleCount', 'Minimum', 'Maximum', 'Average'],
        }));
        return r.Datapoints?.length === 1 && r.Datapoints[0].SampleCount === 7 ? r.Datapoints[0] : null;
      }, 'the datapoint with 7 samples');
      assert.equal(dp.Timestamp.getTime(), t.getTime());
      assert.equal(dp.Sum, 4 + 1 + 2 * 2 + 10 + 50);
      assert.equal(dp.Minimum, 1);
      assert.equal(dp.Maximum, 25);
      assert.ok(Math.abs(dp.Average - 69 / 7) < 1e-9, `Average ${dp.Average}`);
      assert.equal(dp.Unit, 'Milliseconds');
      // exact dimension-set matching: a subset of the dimensions is another (empty) metric
      const sub = await cw.send(new GetMetricStatisticsCommand({
        Namespace: ns, MetricName: 'Lat', Dimensions: [dims[0]], StartTime: t, EndTime: end, Period: 60,
        Statistics: ['Sum'],
      }));
      assert.deepEqual(sub.Datapoints ?? [], []);
      // percentiles come back under ExtendedStatistics
      const ext = await cw.send(new GetMetricStatisticsCommand({
        Namespace: ns, MetricName: 'Lat', Dimensions: dims, StartTime: t, EndTime: end, Period: 60,
        ExtendedStatistics: ['p100'],
      }));
      assert.equal(ext.Datapoints.length, 1);
      const p100 = ext.Datapoints[0].ExtendedStatistics?.p100;
      assert.ok(p100 !== undefined && Math.abs(p100 - 25) <= 0.25 + 1e-9, `p100 ${p100}`);
    });

    test('ListMetrics lists the metric with its dimensions', async () => {
      const r = await poll(async () => {
        const x = await cw.send(new ListMetricsCommand({ Namespace: ns }));
        return x.Metrics?.length ? x : null;
      }, 'the metric listed');
      assert.equal(r.Metrics.length, 1);
      const m = r.Metrics[0];
      assert.equal(m.Namespace, ns);
      assert.equal(m.MetricName, 'Lat');
      assert.deepEqual(m.Dimensions.map((d) => `${d.Name}=${d.Value}`).sort(), ['Host=a', 'Zone=z1']);
      const byDim = await cw.send(new ListMetricsCommand({ Namespace: ns, Dimensions: [{ Name: 'Zone' }] }));
      assert.equal(byDim.Metrics.length, 1);
      const none = await cw.send(new ListMetricsCommand({ Namespace: ns, MetricName: 'Other' }));
      assert.deepEqual(none.Metrics ?? [], []);
    });

    test('GetMetricData with a metric-math expression', async () => {
      const r = await cw.send(new GetMetricDataCommand({
        MetricDataQueries: [
          { Id: 'm1', MetricStat: { Metric: { Namespace: ns, MetricName: 'Lat', Dimensions: dims }, Period: 60,
            Stat: 'Maximum' } },
          { Id: 'e1', Expression: 'm1 * 2' },
        ],
        StartTime: t, EndTime: new Date(t.getTime() + 60000),
      }));
      const byId = Object.fromEntries(r.MetricDataResults.map((x) => [x.Id, x]));
      assert.deepEqual(byId.m1.Values, [25]);
      assert.deepEqual(byId.e1.Values, [50]);
      assert.equal(byId.m1.Timestamps[0].getTime(), t.getTime());
      assert.equal(byId.m1.StatusCode, 'Complete');
    });

    test('errors carry CloudWatch codes', async () => {
      let err;
      try {
        await cw.send(new GetMetricStatisticsCommand({
          Namespace: ns, MetricName: 'Lat', StartTime: t, EndTime: new Date(t.getTime() + 60000), Period: 45,
          Statistics: ['Sum'],
        }));
      } catch (e) {
        err = e;
      }
      assert.ok(err, 'Period 45 must be rejected');
      assert.ok(['InvalidParameterValueException', 'InvalidParameterValue'].includes(err.name), describeErr(err));
      assert.equal(err.$metadata?.httpStatusCode, 400, describeErr(err));
      assert.equal(err.$fault, 'client');
      assert.ok(err.$metadata.requestId, 'error without a request id');
      err = undefined;
      try {
        await cw.send(new PutMetricDataCommand({
          Namespace: ns, MetricData: [{ MetricName: 'Old', Timestamp: new Date(Date.now() - 15 * 86400000), Value: 1 }],
        }));
      } catch (e) {
        err = e;
      }
      assert.ok(err, 'a timestamp 15 days old must be rejected');
      assert.ok(['InvalidParameterValueException', 'InvalidParameterValue'].includes(err.name), describeErr(err));
    });
  });
}
