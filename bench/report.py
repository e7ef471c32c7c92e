#!/usr/bin/env python3
"""Merges loadgen / disk_bench JSON Lines (and optionally Google Benchmark JSON from
bench_disk_log) into bench/results/latest.json, prints the comparison and regenerates the
results section of docs/performance.md (between the RESULTS markers).

usage: report.py --jsonl FILE... --out latest.json [--micro bench_disk_log.json] \
                 [--doc docs/performance.md] [--machine k=v ...]

Lines it understands (all schema sluice-bench/v1):
  - loadgen results: one per (target, scenario); targets sluice (default flags, durability
    sync), sluice-none (--durability none), kinesalite, kinesis-local; scenario seek_<N>mb is
    GetRecords at AT_SEQUENCE_NUMBER positions of a shard holding N MB;
  - scenario "idle_rss" (written by run-bench.sh): a server's RSS after start, before any load;
  - scenario "disk_write", target "disk" (bench/disk/disk_bench): the disk's own throughput
    for the durable log's write pattern, one line per (mode, chunk size).
"""
import argparse
import json
import statistics
import re
import sys

BEGIN = "<!-- BEGIN GENERATED RESULTS (scripts/run-bench.sh) -->"
END = "<!-- END GENERATED RESULTS -->"
TARGETS = ["sluice", "sluice-none", "kinesalite", "kinesis-local", "limits-aws", "limits-off"]
SLUICE_TARGETS = ["sluice", "sluice-none"]
REFS = ["kinesalite", "kinesis-local"]
SCENARIOS = [
    ("put_records", "PutRecords 500 x 1 KiB, 4 shards, 32 conns"),
    ("put_record", "PutRecord 100 B, 4 shards, 32 conns"),
    ("get_records", "GetRecords drain from TRIM_HORIZON, Limit 10000, 4 shards"),
    ("get_records_100b", "the same drain with 100-byte records"),
    ("put_get_latency", "put -> get latency, 1 shard, PutRecord at fixed rate"),
]
SPECIAL = {"idle_rss", "disk_write"}
SEEK_RE = re.compile(r"^seek_(\d+)mb$")


def load(paths):
    out = []
    for rnd, path in enumerate(paths, 1):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    r = json.loads(line)
                    r["round"] = rnd
                    out.append(r)
    return out


def key_metric(r):
    """Higher is better."""
    if not r.get("ok"):
        return float("-inf")
    if r["scenario"] == "put_get_latency" or SEEK_RE.match(r["scenario"]):
        return -(r.get("latency_us", {}).get("p50") or float("inf"))
    if r["scenario"] == "disk_write":
        return r.get("mb_per_s") or 0.0
    if r["scenario"] == "idle_rss":
        return -(r.get("rss_kb") or 0)
    return r.get("records_per_s") or 0.0


def group_key(r):
    if r["scenario"] == "disk_write":
        p = r.get("params", {})
        return (r["target"], r["scenario"], p.get("mode"), p.get("chunk_bytes"), p.get("threads"))
    return (r["target"], r["scenario"])


def medians(runs):
    """One result per group: the median round by key_metric (the lower middle one for an even
    count), annotated with every round's records/s and p50."""
    groups = {}
    for r in runs:
        groups.setdefault(group_key(r), []).append(r)
    out = []
    for rs in groups.values():
        rs = sorted(rs, key=key_metric)
        chosen = dict(rs[(len(rs) - 1) // 2])
        chosen["rounds"] = [{"round": r["round"], "records_per_s": r.get("records_per_s"),
                             "mb_per_s": r.get("mb_per_s"),
                             "p50_us": r.get("latency_us", {}).get("p50"), "ok": r.get("ok")}
                            for r in sorted(rs, key=lambda x: x["round"])]
        out.append(chosen)
    return out


def fmt_num(v, digits=0):
    if v is None:
        return "-"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def ms(us):
    return "-" if us is None else f"{us / 1000:.2f}"


def mb(kb):
    return "-" if kb is None or kb < 0 else f"{kb / 1024:.1f}"


def index(results):
    return {(r["target"], r["scenario"]): r for r in results if r["scenario"] not in SPECIAL}


def ratio(a, b):
    if not a or not b:
        return None
    return a / b


def main_results(results):
    return [r for r in results if r["scenario"] not in SPECIAL]


def table_rows(results):
    rows = []
    for r in main_results(results):
        lat = r.get("latency_us", {})
        cpu = r.get("server_cpu")
        rows.append([
            r["target"], r["scenario"],
            fmt_num(r.get("records_per_s")), fmt_num(r.get("mb_per_s"), 1),
            fmt_num(r.get("requests_per_s")),
            ms(lat.get("p50")), ms(lat.get("p99")), ms(lat.get("p999")),
            fmt_num(cpu.get("cores"), 2) if cpu else "-",
            fmt_num(cpu.get("cpu_us_per_record"), 2) if cpu else "-",
            mb(r.get("server_rss_kb", {}).get("peak")),
            str(r.get("errors", {}).get("total", 0)) + ("" if r.get("ok") else " FAILED"),
        ])
    return rows


HEAD = ["target", "scenario", "records/s", "MB/s", "req/s", "p50 ms", "p99 ms", "p99.9 ms",
        "srv cores", "srv CPU us/rec", "srv peak RSS MB", "errors"]


def text_table(rows, head=HEAD, left=2):
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]
    fmt = lambda cells: "  ".join(c.ljust(w) if i < left else c.rjust(w)
                                  for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([fmt(head)] + [fmt(r) for r in rows])


def md_table(rows, head=HEAD, left=2):
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join(["---"] * left + ["---:"] * (len(head) - left)) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(r) + " |")
    return "\n".join(lines)


def ratios(results):
    idx = index(results)
    out = []
    for sc, _ in SCENARIOS:
        for st in SLUICE_TARGETS:
            s = idx.get((st, sc))
            if not s:
                continue
            for ref in REFS:
                k = idx.get((ref, sc))
                if not k:
                    continue
                if sc == "put_get_latency":
                    # lower is better: ratio = reference p50 / sluice p50
                    rp = ratio(k["latency_us"].get("p50"), s["latency_us"].get("p50"))
                    r99 = ratio(k["latency_us"].get("p99"), s["latency_us"].get("p99"))
                    out.append((sc, st, ref, "p50 latency (ref / sluice)", rp, r99))
                else:
                    out.append((sc, st, ref, "records/s (sluice / ref)",
                                ratio(s.get("records_per_s"), k.get("records_per_s")), None))
                    se, ke = s.get("server_cpu", {}), k.get("server_cpu", {})
                    if se.get("cpu_us_per_record") and ke.get("cpu_us_per_record"):
                        out.append((sc, st, ref, "server CPU per record (ref / sluice)",
                                    ratio(ke["cpu_us_per_record"], se["cpu_us_per_record"]), None))
    return out


def ratio_lines(results, md):
    lines = []
    for sc, st, ref, what, r, r99 in ratios(results):
        rs = "-" if r is None else f"{r:.1f}x"
        extra = "" if r99 is None else f", p99 {r99:.1f}x"
        lines.append((f"| {sc} | {st} | {ref} | {what} | {rs}{extra} |") if md else
                     f"  {sc:16s} {st:11s} vs {ref:13s} {what:36s} {rs}{extra}")
    return lines


# ---- special records -----------------------------------------------------------------------

def disk_results(results):
    return sorted((r for r in results if r["scenario"] == "disk_write"),
                  key=lambda r: (r["params"].get("mode") != "direct", r["params"].get("chunk_bytes", 0)))


def disk_reference(results):
    """The disk's throughput for Sluice's pattern: the best direct-I/O configuration measured
    (Sluice writes with O_DIRECT by default), i.e. the hardest reference."""
    ds = [r for r in disk_results(results) if r.get("ok") and r["params"].get("mode") == "direct"]
    if not ds:
        ds = [r for r in disk_results(results) if r.get("ok")]
    return max(ds, key=lambda r: r.get("mb_per_s") or 0) if ds else None


def disk_rows(results):
    rows = []
    for r in disk_results(results):
        p = r["params"]
        lat = r.get("latency_us", {})
        rows.append([
            p.get("mode", "?") + ("" if p.get("mode") != "direct" or p.get("direct_effective", True) else " (fell back)"),
            f"{p.get('chunk_bytes', 0) >> 10} KiB",
            str(p.get("files")), str(p.get("threads")),
            fmt_num(r.get("mb_per_s"), 1), fmt_num(r.get("syncs_per_s")),
            ms(lat.get("p50")), ms(lat.get("p99")),
            fmt_num(r.get("extra", {}).get("zero_fill_mb_per_s"), 1),
            "ok" if r.get("ok") else "FAILED " + r.get("failure", ""),
        ])
    return rows


DISK_HEAD = ["mode", "chunk", "files", "threads", "data MB/s", "syncs/s", "fdatasync p50 ms",
             "fdatasync p99 ms", "zero-fill MB/s", "status"]


def idle_rss(results, target):
    for r in results:
        if r["scenario"] == "idle_rss" and r["target"] == target:
            return r
    return None


def rss_rows(results):
    rows = []
    by_target = {}
    for r in main_results(results):
        kb = r.get("server_rss_kb", {})
        if kb:
            by_target.setdefault(r["target"], []).append(f"{r['scenario']} {mb(kb.get('peak'))}")
    for t in TARGETS:
        idle = idle_rss(results, t)
        if not idle and t not in by_target:
            continue
        rows.append([t, mb(idle.get("rss_kb")) if idle else "-", "; ".join(by_target.get(t, []))])
    return rows


RSS_HEAD = ["target", "idle RSS MB", "peak RSS MB during each scenario"]


def seek_results(results, target="sluice"):
    out = []
    for r in main_results(results):
        m = SEEK_RE.match(r["scenario"])
        if m and r["target"] == target:
            out.append((int(m.group(1)), r))
    return sorted(out, key=lambda x: x[0])


def load_micro(path):
    if not path:
        return []
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError):
        return []
    return d.get("benchmarks", [])


def micro_by_prefix(micro, prefix):
    return [b for b in micro if b.get("name", "").startswith(prefix)]


def micro_rows(micro):
    rows = []
    for b in micro:
        if b.get("error_occurred"):
            rows.append([b["name"], "-", "-", "-", "-", "skipped: " + b.get("error_message", "")])
            continue
        unit = b.get("time_unit", "ns")
        rows.append([
            b["name"], f"{b.get('real_time', 0):,.1f} {unit}",
            fmt_num(b.get("items_per_second")),
            fmt_num((b.get("bytes_per_second") or 0) / 1e6, 1) if b.get("bytes_per_second") else "-",
            (f"{b['p50_us']:,.0f} / {b['p99_us']:,.0f}" if "p50_us" in b else "-"), "",
        ])
    return rows


MICRO_HEAD = ["benchmark", "real time / iteration", "items/s", "MB/s", "p50 / p99 us per call", "note"]


def micro_readat(micro):
    """{(shard_mb, cold): (p50_us, p99_us)} from BM_DiskReadAt."""
    out = {}
    for b in micro_by_prefix(micro, "BM_DiskReadAt/"):
        if b.get("error_occurred") or "p50_us" not in b:
            continue
        m = re.search(r"shard_mb:(\d+)/cold:(\d)", b["name"])
        if m:
            out[(int(m.group(1)), int(m.group(2)))] = (b["p50_us"], b["p99_us"])
    return out


# ---- goals (durable storage, limits) -----------------------------------------------------------------------

def verdict(ok):
    if ok is None:
        return "not measured"
    return "MET" if ok else "NOT MET"


def goals(results, micro):
    """(goal, target, measured, verdict) rows."""
    idx = index(results)
    g = []

    def rec_ratio(st, sc, ref="kinesalite"):
        s, k = idx.get((st, sc)), idx.get((ref, sc))
        if not s or not k or not s.get("ok") or not k.get("ok"):
            return None, s, k
        return ratio(s.get("records_per_s"), k.get("records_per_s")), s, k

    r, s, k = rec_ratio("sluice", "put_records")
    g.append(("PutRecords 500 x 1 KiB, 4 shards, 32 conns, durability sync: records/s vs kinesalite",
              ">= 25x", "-" if r is None else
              f"{r:.1f}x ({s['records_per_s']:,.0f} vs {k['records_per_s']:,.0f} records/s)",
              verdict(None if r is None else r >= 25)))

    d = disk_reference(results)
    if s and d and s.get("ok"):
        pct = 100.0 * s["mb_per_s"] / d["mb_per_s"]
        p = d["params"]
        g.append(("... its payload MB/s as a share of disk_bench's best O_DIRECT figure (same run)",
                  ">= 60%", f"{pct:.0f}% ({s['mb_per_s']:,.0f} of {d['mb_per_s']:,.0f} MB/s; disk_bench "
                  f"{p.get('mode')} {p.get('chunk_bytes', 0) >> 10} KiB x {p.get('files')} files)",
                  verdict(pct >= 60)))
    else:
        g.append(("... its payload MB/s as a share of disk_bench's best O_DIRECT figure (same run)",
                  ">= 60%", "-", verdict(None)))

    r, s, k = rec_ratio("sluice", "put_record")
    p99 = s.get("latency_us", {}).get("p99") if s else None
    ok = None if r is None or p99 is None else (r >= 10 and p99 < 5000)
    g.append(("PutRecord 100 B, 32 conns, durability sync: requests/s vs kinesalite, p99",
              ">= 10x, p99 < 5 ms", "-" if r is None else
              f"{r:.1f}x ({s['requests_per_s']:,.0f} vs {k['requests_per_s']:,.0f} req/s), p99 {p99 / 1000:.2f} ms",
              verdict(ok)))

    r, s, k = rec_ratio("sluice-none", "put_records")
    g.append(("PutRecords, durability none: records/s vs kinesalite", ">= 30x",
              "-" if r is None else f"{r:.1f}x ({s['records_per_s']:,.0f} vs {k['records_per_s']:,.0f} records/s)",
              verdict(None if r is None else r >= 30)))

    r, s, k = rec_ratio("sluice", "get_records")
    g.append(("GetRecords drain (sluice: {} records): records/s vs kinesalite".format(
              f"{s['params'].get('preload_records', 0):,}" if s else "?"), ">= 50x",
              "-" if r is None else f"{r:.1f}x ({s['records_per_s']:,.0f} vs {k['records_per_s']:,.0f} records/s)",
              verdict(None if r is None else r >= 50)))
    r, s, k = rec_ratio("sluice", "get_records_100b")
    if s or k:
        g.append(("... the same drain with 100-byte records (per-record cost instead of bytes)", ">= 50x",
                  "-" if r is None else f"{r:.1f}x ({s['records_per_s']:,.0f} vs {k['records_per_s']:,.0f} records/s)",
                  verdict(None if r is None else r >= 50)))

    # Issue 4: the limiter's cost, same run, same load, 1,000 shards under their limits. records/s is
    # the goal; server CPU per record is shown too because it is far less noisy on a shared machine.
    r, s, k = rec_ratio("limits-aws", "put_records", ref="limits-off")
    cpu = ""
    sc, kc = (s or {}).get("server_cpu", {}), (k or {}).get("server_cpu", {})
    if sc.get("cpu_us_per_record") and kc.get("cpu_us_per_record"):
        cpu = f"; server CPU {sc['cpu_us_per_record']:.2f} vs {kc['cpu_us_per_record']:.2f} us/record"
    # With several rounds, each round ran aws and off back to back: the median of those paired
    # ratios is steadier than the ratio of two independently chosen median rounds.
    paired = ""
    if r is not None:
        ra = [x.get("records_per_s") for x in s.get("rounds", [])]
        rb = [x.get("records_per_s") for x in k.get("rounds", [])]
        pairs = [a / b for a, b in zip(ra, rb) if a and b]
        if len(pairs) > 1:
            paired = "; per-round ratios " + ", ".join(f"{x:.3f}" for x in pairs)
            r = statistics.median(pairs)
    g.append(("PutRecords on 1,000 shards (durability none): --limits aws vs --limits off, records/s"
              + (" (median of per-round ratios)" if paired else ""),
              ">= 0.95x", "-" if r is None else
              f"{r:.3f}x ({s['records_per_s']:,.0f} vs {k['records_per_s']:,.0f} records/s{cpu}{paired})",
              verdict(None if r is None else r >= 0.95)))

    idle = idle_rss(results, "sluice")
    ikb = idle.get("rss_kb") if idle else None
    g.append(("Idle RSS (after start, before any load; disk storage)", "< 30 MB",
              "-" if ikb is None else f"{ikb / 1024:.1f} MB", verdict(None if ikb is None else ikb < 30 * 1024)))
    pr = idx.get(("sluice", "put_records"))
    pkb = pr.get("server_rss_kb", {}).get("peak") if pr else None
    g.append(("Peak RSS during the PutRecords scenario (sampled every 100 ms)", "< 300 MB",
              "-" if pkb is None or pkb < 0 else f"{pkb / 1024:.1f} MB",
              verdict(None if pkb is None or pkb < 0 else pkb < 300 * 1024)))

    for target, how in (("sluice-seek-cold", "page cache dropped before every call, both sizes"),
                        ("sluice", "page cache as it falls: the 100 MB shard ends up cached, most of 10 GB not")):
        seeks = [(m, r) for m, r in seek_results(results, target) if r.get("ok")]
        if len(seeks) < 2:
            continue
        (m0, a), (m1, b) = seeks[0], seeks[-1]
        r50 = ratio(b["latency_us"]["p50"], a["latency_us"]["p50"])
        r99 = ratio(b["latency_us"]["p99"], a["latency_us"]["p99"])
        g.append((f"GetRecords (Limit 1000) at AT_SEQUENCE_NUMBER, end to end ({how}): {m1:,} MB vs {m0:,} MB shard",
                  "within 2x", f"p50 {ms(b['latency_us']['p50'])} vs {ms(a['latency_us']['p50'])} ms "
                  f"({r50:.2f}x); p99 {ms(b['latency_us']['p99'])} vs {ms(a['latency_us']['p99'])} ms ({r99:.2f}x)",
                  verdict(r50 <= 2 and r50 >= 0.5) if target == "sluice-seek-cold" else "info"))
    ra = micro_readat(micro)
    for cold in (0, 1):
        a, b = ra.get((100, cold)), ra.get((10000, cold))
        if a and b:
            r50 = b[0] / a[0]
            g.append((f"storage Read(from, 1000 records) at random offsets ({'cold' if cold else 'warm'} page cache), "
                      "10 GB vs 100 MB shard (bench_disk_log)", "within 2x",
                      f"p50 {b[0]:,.0f} vs {a[0]:,.0f} us ({r50:.2f}x); p99 {b[1]:,.0f} vs {a[1]:,.0f} us",
                      verdict(0.5 <= r50 <= 2)))
    return g


GOAL_HEAD = ["goal", "target", "measured", "verdict"]


def goal_rows(results, micro):
    return [list(x) for x in goals(results, micro)]


def render_doc(results, micro, machine, notes):
    rounds = machine.get("rounds", "1")
    parts = [BEGIN, "", f"Run ({rounds} round(s); each figure is the median round): "
             f"{machine.get('date', '?')} on `{machine.get('cpu', '?')}`, "
             f"nproc={machine.get('nproc', '?')}, kernel {machine.get('kernel', '?')}, "
             f"sluice commit `{machine.get('commit', '?')}`, load average before/after "
             f"{machine.get('loadavg_before', '?')} / {machine.get('loadavg_after', '?')}. "
             "Load generator and server share the machine (loopback). `sluice` = default flags "
             "(`--storage disk --durability sync`), `sluice-none` = `--durability none`.", ""]
    parts += ["### Goals (durable storage and throughput limits)", "", md_table(goal_rows(results, micro), GOAL_HEAD, 4), ""]
    parts += ["### End to end", "", md_table(table_rows(results)), "",
              "Ratios:", "", "| scenario | sluice | vs | measure | ratio |", "|---|---|---|---|---:|"]
    parts += ratio_lines(results, True)
    rr = rss_rows(results)
    if rr:
        parts += ["", "Server memory (`/proc/PID/status` VmRSS; idle = 1 s after start, before any "
                  "request; peak = highest 100 ms sample during a scenario, including its stream "
                  "creation and pre-load):", "", md_table(rr, RSS_HEAD, 1)]
    dr = disk_rows(results)
    if dr:
        parts += ["", "### The disk alone (`disk_bench`, same run)", "",
                  "The durable log's write pattern without Sluice: one file per shard, zero-filled ahead of "
                  "the writer (1 MiB doubling to 8 MiB), one aligned write of `chunk` then one fdatasync per "
                  "group commit, 64 MiB segments. data MB/s excludes the zero fill (which the disk also "
                  "writes).", "", md_table(dr, DISK_HEAD, 1)]
    if micro:
        parts += ["", "### Storage engine micro benchmarks (`bench_disk_log`, same run)", "",
                  "DiskLogStore on the real file system. `BM_DiskAppend`: 500 x 1 KiB batches round-robin "
                  "over `shards`, at most `in_flight` unacknowledged; `none:0` = durability sync. "
                  "`BM_DiskDrain`: Read of 1,000,000 x 1 KiB records over 4 shards, 10,000 per call. "
                  "`BM_DiskReadAt`: Read(from, 1000 records) at random offsets of a shard holding "
                  "`shard_mb`; cold = the shard's pages dropped from the page cache (posix_fadvise) before "
                  "each call, warm = the same call repeated.", "", md_table(micro_rows(micro), MICRO_HEAD, 1)]
    seeks = seek_results(results) + seek_results(results, "sluice-seek-cold")
    if seeks:
        parts += ["", "AT_SEQUENCE_NUMBER seeks end to end (`seek_<N>mb`: GetShardIterator + GetRecords "
                  "Limit 1000 at random sequence numbers of a 1-shard stream holding N MB):", ""]
        for m, r in seeks:
            e = r.get("extra", {})
            parts.append(f"- {r['target']}, {m:,} MB: GetRecords p50 {ms(r['latency_us'].get('p50'))} ms, p99 "
                         f"{ms(r['latency_us'].get('p99'))} ms; GetShardIterator p50 "
                         f"{ms(e.get('get_shard_iterator_us', {}).get('p50'))} ms; pre-load "
                         f"{e.get('preload_s', 0):.1f} s at {e.get('preload_mb_per_s', 0):,.0f} MB/s")
    parts += ["", "Parameters per target (from the result objects):", ""]
    for r in main_results(results):
        p = json.dumps(r.get("params", {}), separators=(", ", ": "))
        parts.append(f"- {r['target']} / {r['scenario']}: `{p}`")
        if not r.get("ok"):
            parts.append(f"  - FAILED: {r.get('failure', '')}")
        if len(r.get("rounds", [])) > 1:
            parts.append("  - records/s per round: " + ", ".join(
                fmt_num(x["records_per_s"]) for x in r["rounds"]) +
                "; p50 ms per round: " + ", ".join(ms(x["p50_us"]) for x in r["rounds"]))
        errs = r.get("errors", {}).get("by_type", {})
        if errs:
            parts.append("  - errors: " + ", ".join(f"{k}={v}" for k, v in errs.items()))
    if notes:
        parts += ["", notes]
    parts += ["", "Raw results: `bench/results/latest.json`.", "", END]
    return "\n".join(parts)


def sort_key(r):
    order = {t: i for i, t in enumerate(TARGETS)}
    sorder = {s: i for i, (s, _) in enumerate(SCENARIOS)}
    m = SEEK_RE.match(r["scenario"])
    so = sorder.get(r["scenario"], 50 + (int(m.group(1)) / 1e9 if m else 0.99))
    return (so, order.get(r["target"], 99))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jsonl", required=True, nargs="+", help="one JSON Lines file per round")
    ap.add_argument("--micro", help="bench_disk_log --benchmark_out JSON")
    ap.add_argument("--out", required=True)
    ap.add_argument("--doc")
    ap.add_argument("--machine", nargs="*", default=[])
    ap.add_argument("--notes", default="")
    a = ap.parse_args()
    runs = load(a.jsonl)
    results = medians(runs)
    results.sort(key=sort_key)
    micro = load_micro(a.micro)
    machine = dict(kv.split("=", 1) for kv in a.machine)
    with open(a.out, "w") as f:
        json.dump({"schema": "sluice-bench-run/v1", "machine": machine, "results": results,
                   "micro": micro, "all_rounds": runs}, f, indent=2)
        f.write("\n")
    print()
    print(text_table(table_rows(results)))
    print()
    for line in ratio_lines(results, False):
        print(line)
    if disk_rows(results):
        print()
        print(text_table(disk_rows(results), DISK_HEAD, 1))
    if rss_rows(results):
        print()
        print(text_table(rss_rows(results), RSS_HEAD, 1))
    print()
    for goal, target, measured, v in goals(results, micro):
        print(f"  [{v}] {goal} (target {target}): {measured}")
    if a.doc:
        try:
            doc = open(a.doc).read()
        except FileNotFoundError:
            doc = f"# Performance\n\n## Results\n\n{BEGIN}\n{END}\n"
        if BEGIN not in doc or END not in doc:
            doc += f"\n## Results\n\n{BEGIN}\n{END}\n"
        pre, rest = doc.split(BEGIN, 1)
        _, post = rest.split(END, 1)
        doc = pre + render_doc(results, micro, machine, a.notes) + post
        with open(a.doc, "w") as f:
            f.write(doc)
        print(f"updated {a.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
