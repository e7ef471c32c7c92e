"""EnableEnhancedMonitoring / DisableEnhancedMonitoring against the real binary: the shard-level
metric list is persisted with the stream (clean stop and kill), shown by DescribeStream and
DescribeStreamSummary, and the server keeps its metrics in metrics.db under --data-dir.

Sluice only (restarts); raw signed HTTP so the checks do not depend on the botocore version.
"""
import os
import signal

import pytest

from test_restart import call, durable, error_of, wait_active  # noqa: F401  (durable is a fixture)


def enhanced(srv, name):
    d = call(srv, "DescribeStream", {"StreamName": name})["StreamDescription"]["EnhancedMonitoring"]
    s = call(srv, "DescribeStreamSummary", {"StreamName": name})["StreamDescriptionSummary"]["EnhancedMonitoring"]
    assert d == s
    return d[0]["ShardLevelMetrics"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["stop", "kill"])
def test_enhanced_monitoring_survives_restart(durable, sig):
    call(durable, "CreateStream", {"StreamName": "em", "ShardCount": 2})
    wait_active(durable, "em")
    assert enhanced(durable, "em") == []
    r = call(durable, "EnableEnhancedMonitoring", {"StreamName": "em", "ShardLevelMetrics": ["ALL"]})
    assert r["CurrentShardLevelMetrics"] == []
    assert len(r["DesiredShardLevelMetrics"]) == 7
    r = call(durable, "DisableEnhancedMonitoring",
             {"StreamName": "em", "ShardLevelMetrics": ["OutgoingBytes", "IteratorAgeMilliseconds"]})
    assert r["DesiredShardLevelMetrics"] == ["IncomingBytes", "IncomingRecords", "OutgoingRecords",
                                              "WriteProvisionedThroughputExceeded",
                                              "ReadProvisionedThroughputExceeded"]
    durable.restart(sig)
    assert enhanced(durable, "em") == r["DesiredShardLevelMetrics"]
    # Puts still work on the recovered stream (its shard-level recorders are rebuilt).
    call(durable, "PutRecord", {"StreamName": "em", "PartitionKey": "k", "Data": "aGVsbG8="})
    assert os.path.exists(os.path.join(durable.data_dir, "metrics.db"))


def test_enhanced_monitoring_errors(durable):
    call(durable, "CreateStream", {"StreamName": "em", "ShardCount": 1})
    wait_active(durable, "em")
    assert error_of(durable, "EnableEnhancedMonitoring",
                    {"StreamName": "em", "ShardLevelMetrics": ["Bogus"]}) == "ValidationException"
    assert error_of(durable, "EnableEnhancedMonitoring",
                    {"StreamName": "none", "ShardLevelMetrics": ["ALL"]}) == "ResourceNotFoundException"
    assert enhanced(durable, "em") == []
