#!/usr/bin/env python3
"""Turns bench/shard-scaling.sh's loadgen results (JSON Lines, one line per case and shard count)
into bench/results/shard-scaling.json, prints the table with a PASS/FAIL line per target, and
regenerates the "Throughput vs shard count" section of docs/performance.md (between the SHARD
SCALING markers; the section is added before "## Before and after a refactor" if missing).

usage: shard_scaling_report.py --jsonl points.jsonl --out shard-scaling.json [--doc performance.md]
                               [--baseline earlier-shard-scaling.json] [--machine k=v ...]
"""
import argparse
import json
import sys

BEGIN = "<!-- BEGIN GENERATED SHARD SCALING (bench/shard-scaling.sh) -->"
END = "<!-- END GENERATED SHARD SCALING -->"
HEADING = "## Throughput vs shard count"
INSERT_BEFORE = "## Before and after a refactor"
CASES = [
    ("sync", "PutRecords 500 x 1 KiB, durability sync"),
    ("none", "PutRecords 500 x 1 KiB, durability none"),
    ("record-sync", "PutRecord 100 B, durability sync"),
    ("kinesalite", "PutRecords 500 x 1 KiB, kinesalite (in memory)"),
]
CASE_NAMES = dict(CASES)
HEAD = ["case", "shards", "records/s", "p50 ms", "p99 ms", "srv CPU us/rec", "RSS end / peak MB",
        "WA device / server", "vs 4 shards", "vs kinesalite"]


def load_points(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                out.append(json.loads(line))
    return out


def median_points(points):
    """One point per (case, shards): the median round by records/s (the lower middle one for an
    even count), annotated with every round's records/s."""
    groups = {}
    for p in points:
        groups.setdefault((p["target"], p.get("params", {}).get("shards")), []).append(p)
    out = []
    for ps in groups.values():
        ps = sorted(ps, key=lambda p: row_of(p)["records_per_s"] or 0 if p.get("ok") else -1)
        chosen = dict(ps[(len(ps) - 1) // 2])
        chosen["rounds_records_per_s"] = [row_of(p)["records_per_s"] for p in sorted(ps, key=lambda p: p.get("round", 1))]
        out.append(chosen)
    return out


def row_of(p):
    """The figures of one point; records/s is estimated over the whole write phase (marked
    approximate) when no request completed inside the measured window."""
    params, extra = p.get("params", {}), p.get("extra", {})
    rec_bytes = params.get("record_bytes") or 1
    lat = p.get("latency_us", {})
    io = extra.get("io", {})
    rps, approx = p.get("records_per_s"), False
    if p.get("ok") and not p.get("records") and extra.get("write_phase_s"):
        rps = extra.get("acked_payload_bytes", 0) / rec_bytes / extra["write_phase_s"]
        approx = True
    rss = p.get("server_rss_kb", {})
    cpu = p.get("server_cpu", {}).get("cpu_us_per_record") if p.get("records") else None
    return {
        "case": p["target"], "shards": params.get("shards"), "ok": p.get("ok", False),
        "failure": p.get("failure"), "records_per_s": rps, "records_per_s_approx": approx,
        "requests": p.get("requests"), "p50_ms": lat.get("p50", 0) / 1e3 if p.get("requests") else None,
        "p99_ms": lat.get("p99", 0) / 1e3 if p.get("requests") else None,
        "cpu_us_per_record": cpu, "rss_end_mb": kb_mb(rss.get("end")), "rss_hwm_mb": kb_mb(rss.get("hwm")),
        "device_wa": io.get("device_wa"), "server_wa": io.get("server_wa"),
        "errors": p.get("errors", {}).get("total", 0), "loadavg_after": p.get("loadavg_after"),
        "rounds_records_per_s": p.get("rounds_records_per_s"),
    }


def kb_mb(kb):
    return None if kb is None or kb < 0 else kb / 1024


def add_ratios(rows):
    by = {(r["case"], r["shards"]): r for r in rows}
    for r in rows:
        base = by.get((r["case"], 4))
        r["vs_4_shards"] = ratio(r["records_per_s"], base and base["records_per_s"])
        ref = by.get(("kinesalite", r["shards"])) if r["case"] in ("sync", "none") else None
        r["vs_kinesalite"] = ratio(r["records_per_s"], ref and ref["records_per_s"])
    return by


def ratio(a, b):
    return a / b if a and b else None


def targets(by, baseline_by):
    """(goal, target, measured, verdict) per target of the storage work."""
    out = []

    def scaling(case, what):
        a, b = by.get((case, 1000)), by.get((case, 4))
        if not a or not b or not a["records_per_s"] or not b["records_per_s"]:
            return (f"{what}: 1,000 shards vs 4 shards, records/s", ">= 0.80x", "not measured", "n/a")
        r = a["records_per_s"] / b["records_per_s"]
        return (f"{what}: 1,000 shards vs 4 shards, records/s", ">= 0.80x",
                f"{r:.2f}x ({num(a['records_per_s'], a['records_per_s_approx'])} vs "
                f"{num(b['records_per_s'])})", "PASS" if r >= 0.8 else "FAIL")

    out.append(scaling("sync", CASE_NAMES["sync"]))
    out.append(scaling("record-sync", CASE_NAMES["record-sync"]))
    s4, k4 = by.get(("sync", 4)), by.get(("kinesalite", 4))
    goal = f"{CASE_NAMES['sync']}, 4 shards: records/s vs kinesalite"
    if s4 and k4 and s4["records_per_s"] and k4["records_per_s"]:
        r = s4["records_per_s"] / k4["records_per_s"]
        out.append((goal, ">= 25x", f"{r:.1f}x ({num(s4['records_per_s'])} vs {num(k4['records_per_s'])})",
                    "PASS" if r >= 25 else "FAIL"))
    else:
        out.append((goal, ">= 25x", "not measured", "n/a"))
    s1k = by.get(("sync", 1000))
    goal = f"{CASE_NAMES['sync']}, 1,000 shards: p99 latency"
    if s1k and s1k["p99_ms"] is not None:
        out.append((goal, "< 100 ms", f"{s1k['p99_ms']:,.1f} ms", "PASS" if s1k["p99_ms"] < 100 else "FAIL"))
    elif s1k and s1k["ok"]:
        out.append((goal, "< 100 ms", "no request completed inside the window", "FAIL"))
    else:
        out.append((goal, "< 100 ms", "not measured", "n/a"))
    b4 = baseline_by.get(("sync", 4)) if baseline_by else None
    if s4 and b4 and s4["records_per_s"] and b4["records_per_s"]:
        r = s4["records_per_s"] / b4["records_per_s"]
        out.append((f"{CASE_NAMES['sync']}, 4 shards: records/s vs the baseline run (different runs: noisy)",
                    "no lower", f"{r:.2f}x ({num(s4['records_per_s'])} vs {num(b4['records_per_s'])})", "info"))
    return out


def num(v, approx=False, digits=0):
    if v is None:
        return "-"
    s = f"{v:,.{digits}f}"
    return "~" + s if approx else s


def fmt_row(r):
    if not r["ok"]:
        return [r["case"], f"{r['shards']:,}", "FAILED: " + (r["failure"] or "?")[:60]] + ["-"] * (len(HEAD) - 3)
    rss = f"{num(r['rss_end_mb'], digits=1)} / {num(r['rss_hwm_mb'], digits=1)}"
    wa = f"{num(r['device_wa'], digits=2)} / {num(r['server_wa'], digits=2)}"
    if r["device_wa"] is None and r["server_wa"] is None:
        wa = "-"
    p99 = num(r["p99_ms"], digits=1)
    if r["requests"] and r["requests"] < 100:
        p99 += f" ({r['requests']} req)"  # a percentile of a few requests
    return [r["case"], f"{r['shards']:,}", num(r["records_per_s"], r["records_per_s_approx"]),
            num(r["p50_ms"], digits=1), p99, num(r["cpu_us_per_record"], digits=2), rss, wa,
            num(r["vs_4_shards"], digits=2), num(r["vs_kinesalite"], digits=1)]


def sort_rows(rows):
    order = {c: i for i, (c, _) in enumerate(CASES)}
    return sorted(rows, key=lambda r: (order.get(r["case"], 99), r["shards"] or 0))


def md_table(head, rows, left=2):
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---" if i < left else "---:" for i in range(len(head))) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def text_table(head, rows):
    w = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    return "\n".join("  ".join(str(x).rjust(w[i]) if i > 1 else str(x).ljust(w[i]) for i, x in enumerate(r))
                     for r in [head] + rows)


def baseline_section(base, by):
    m = base.get("machine", {})
    head = ["case", "shards", "records/s", "p99 ms", "srv CPU us/rec", "WA device", "this run / baseline"]
    rows = []
    for b in sort_rows(base.get("rows", [])):
        cur = by.get((b["case"], b["shards"]))
        rows.append([b["case"], f"{b['shards']:,}", num(b.get("records_per_s"), b.get("records_per_s_approx")),
                     num(b.get("p99_ms"), digits=1), num(b.get("cpu_us_per_record"), digits=2),
                     num(b.get("device_wa"), digits=2),
                     num(ratio(cur and cur["records_per_s"], b.get("records_per_s")), digits=2)])
    return [f"Baseline: {m.get('label') or 'earlier run'}, {m.get('date', '?')}, sluice commit "
            f"`{m.get('commit', '?')}`, load average before/after {m.get('loadavg_before', '?')} / "
            f"{m.get('loadavg_after', '?')}:", "", md_table(head, rows)]


def render_doc(rows, by, goals, machine, baseline):
    m = machine
    label = f" ({m['label']})" if m.get("label") else ""
    parts = [BEGIN, "",
             f"Run: {m.get('date', '?')}{label}, `{m.get('sluice_bin', '?')}`, worktree commit `{m.get('commit', '?')}`; "
             f"binary's checkout `{m.get('sluice_commit', '?')}` (sha256 {m.get('sluice_sha256', '?')}); {m.get('rounds', '1')} round(s), each figure the median "
             f"round; `{m.get('cpu', '?')}`, nproc={m.get('nproc', '?')}, kernel {m.get('kernel', '?')}; load average "
             f"before/after {m.get('loadavg_before', '?')} / {m.get('loadavg_after', '?')}. "
             f"{m.get('duration_s', '?')} s per point after {m.get('warmup_s', '?')} s of warm-up "
             f"(kinesalite {m.get('ref_duration_s', '?')} s), {m.get('connections', '?')} connections, one fresh "
             f"server per point. {m.get('notes', '')}".rstrip(), ""]
    parts += ["| goal | target | measured | verdict |", "|---|---|---|---|"]
    parts += [f"| {g} | {t} | {meas} | {v} |" for g, t, meas, v in goals]
    parts += ["", md_table(HEAD, [fmt_row(r) for r in rows]), ""]
    parts += ["Cases: " + "; ".join(f"`{c}` = {d}" for c, d in CASES) + ". Random partition keys "
              "(PutRecord: one key per request, at least two distinct keys per shard). `~` = no request completed "
              "inside the window: records acknowledged over the whole write phase (warm-up, window, in-flight "
              "tail) per second of it. `(N req)`: a percentile over only N requests. WA = bytes written per payload byte acknowledged over the write phase "
              f"(warm-up included), {m.get('io_settle_s', '0')} s later and after a syncfs of the data directory: device = `/proc/diskstats` of "
              f"`{m.get('io_device') or '?'}` (the whole disk: other processes writing to it at the same "
              "time are counted too), server = the server's `/proc/PID/io` write_bytes (page-granular, "
              "before the filesystem's own journal). RSS: the server's VmRSS at the end of the window and its "
              "VmHWM (stream creation included)."]
    if baseline:
        parts += [""] + baseline_section(baseline, by)
    parts += ["", "Raw results: `bench/results/shard-scaling.json`.", "", END]
    return "\n".join(parts)


def update_doc(path, text):
    try:
        doc = open(path).read()
    except FileNotFoundError:
        doc = "# Performance\n"
    if BEGIN in doc and END in doc:
        pre, rest = doc.split(BEGIN, 1)
        _, post = rest.split(END, 1)
        doc = pre + text + post
    else:
        section = f"{HEADING}\n\n{text}\n\n"
        at = doc.find("\n" + INSERT_BEFORE)
        doc = doc[:at + 1] + section + doc[at + 1:] if at >= 0 else doc.rstrip("\n") + "\n\n" + section
    with open(path, "w") as f:
        f.write(doc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jsonl", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--doc")
    ap.add_argument("--baseline")
    ap.add_argument("--machine", nargs="*", default=[])
    a = ap.parse_args()
    points = load_points(a.jsonl)
    machine = dict(kv.split("=", 1) for kv in a.machine)
    rows = sort_rows([row_of(p) for p in median_points(points)])
    by = add_ratios(rows)
    baseline = None
    if a.baseline:
        with open(a.baseline) as f:
            baseline = json.load(f)
    baseline_by = {(r["case"], r["shards"]): r for r in baseline.get("rows", [])} if baseline else None
    goals = targets(by, baseline_by)
    with open(a.out, "w") as f:
        json.dump({"schema": "sluice-shard-scaling/v1", "machine": machine, "rows": rows,
                   "targets": [dict(zip(("goal", "target", "measured", "verdict"), g)) for g in goals],
                   "points": points}, f, indent=2)
        f.write("\n")
    print()
    print(text_table(HEAD, [fmt_row(r) for r in rows]))
    print()
    for g, t, meas, v in goals:
        print(f"  [{v}] {g} (target {t}): {meas}")
    if a.doc:
        update_doc(a.doc, render_doc(rows, by, goals, machine, baseline))
        print(f"updated {a.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
