#!/usr/bin/env python3
"""Merges loadgen JSON Lines into bench/results/latest.json, prints the comparison table and
regenerates the results section of docs/performance.md (between the RESULTS markers).

usage: report.py --jsonl FILE --out latest.json --doc docs/performance.md [--machine k=v ...]
"""
import argparse
import json
import sys

BEGIN = "<!-- BEGIN GENERATED RESULTS (scripts/run-bench.sh) -->"
END = "<!-- END GENERATED RESULTS -->"
TARGETS = ["sluice", "kinesalite", "kinesis-local"]
SCENARIOS = [
    ("put_records", "PutRecords 500 x 1 KiB, 4 shards, 32 conns"),
    ("put_record", "PutRecord 100 B, 4 shards, 32 conns"),
    ("get_records", "GetRecords drain from TRIM_HORIZON, Limit 10000, 4 shards"),
    ("put_get_latency", "put -> get latency, 1 shard, PutRecord at fixed rate"),
]
GOAL_RATIO = 30.0  # issue: PutRecords records/s >= 30x kinesalite


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
    if r["scenario"] == "put_get_latency":
        return -(r.get("latency_us", {}).get("p50") or float("inf"))
    return r.get("records_per_s") or 0.0


def medians(runs):
    """One result per (target, scenario): the median round by key_metric (the lower middle one
    for an even count), annotated with every round's records/s and p50."""
    groups = {}
    for r in runs:
        groups.setdefault((r["target"], r["scenario"]), []).append(r)
    out = []
    for rs in groups.values():
        rs = sorted(rs, key=key_metric)
        chosen = dict(rs[(len(rs) - 1) // 2])
        chosen["rounds"] = [{"round": r["round"], "records_per_s": r.get("records_per_s"),
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


def index(results):
    return {(r["target"], r["scenario"]): r for r in results}


def ratio(a, b):
    if not a or not b:
        return None
    return a / b


def table_rows(results):
    rows = []
    for r in results:
        lat = r.get("latency_us", {})
        rows.append([
            r["target"], r["scenario"],
            fmt_num(r.get("records_per_s")), fmt_num(r.get("mb_per_s"), 1),
            fmt_num(r.get("requests_per_s")),
            ms(lat.get("p50")), ms(lat.get("p99")), ms(lat.get("p999")),
            fmt_num(r.get("server_cpu", {}).get("cores"), 2) if r.get("server_cpu") else "-",
            fmt_num(r.get("server_cpu", {}).get("cpu_us_per_record"), 2) if r.get("server_cpu") else "-",
            str(r.get("errors", {}).get("total", 0)) + ("" if r.get("ok") else " FAILED"),
        ])
    return rows


HEAD = ["target", "scenario", "records/s", "MB/s", "req/s", "p50 ms", "p99 ms", "p99.9 ms",
        "srv cores", "srv CPU us/rec", "errors"]


def text_table(rows):
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(HEAD)]
    lines = ["  ".join(h.ljust(w) if i < 2 else h.rjust(w) for i, (h, w) in enumerate(zip(HEAD, widths)))]
    for r in rows:
        lines.append("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    return "\n".join(lines)


def md_table(rows):
    lines = ["| " + " | ".join(HEAD) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(HEAD) - 2)) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(r) + " |")
    return "\n".join(lines)


def ratios(results):
    idx = index(results)
    out = []
    for sc, desc in SCENARIOS:
        s = idx.get(("sluice", sc))
        if not s:
            continue
        for ref in ("kinesalite", "kinesis-local"):
            k = idx.get((ref, sc))
            if not k:
                continue
            if sc == "put_get_latency":
                # lower is better: ratio = reference p50 / sluice p50
                rp = ratio(k["latency_us"].get("p50"), s["latency_us"].get("p50"))
                r99 = ratio(k["latency_us"].get("p99"), s["latency_us"].get("p99"))
                out.append((sc, ref, "p50 latency (ref / sluice)", rp, r99))
            else:
                out.append((sc, ref, "records/s (sluice / ref)",
                            ratio(s.get("records_per_s"), k.get("records_per_s")), None))
                se, ke = s.get("server_cpu", {}), k.get("server_cpu", {})
                if se.get("cpu_us_per_record") and ke.get("cpu_us_per_record"):
                    out.append((sc, ref, "server CPU per record (ref / sluice)",
                                ratio(ke["cpu_us_per_record"], se["cpu_us_per_record"]), None))
    return out


def goal_line(results):
    idx = index(results)
    s, k = idx.get(("sluice", "put_records")), idx.get(("kinesalite", "put_records"))
    if not s or not k or not k.get("records_per_s"):
        return "Goal (PutRecords records/s >= 30x kinesalite): not measured in this run."
    r = s["records_per_s"] / k["records_per_s"]
    verdict = "MET" if r >= GOAL_RATIO else "NOT MET"
    return (f"Goal (PutRecords 500 x 1 KiB, 4 shards, 32 connections: records/s >= {GOAL_RATIO:.0f}x "
            f"kinesalite): {r:.1f}x -> {verdict} "
            f"({s['records_per_s']:,.0f} vs {k['records_per_s']:,.0f} records/s)")


def ratio_lines(results, md):
    lines = []
    for sc, ref, what, r, r99 in ratios(results):
        rs = "-" if r is None else f"{r:.1f}x"
        extra = "" if r99 is None else f", p99 {r99:.1f}x"
        lines.append((f"| {sc} | {ref} | {what} | {rs}{extra} |") if md else
                     f"  {sc:16s} vs {ref:13s} {what:28s} {rs}{extra}")
    return lines


def render_doc(results, machine, notes):
    rows = table_rows(results)
    rounds = machine.get("rounds", "1")
    parts = [BEGIN, "", f"Run ({rounds} round(s); each figure is the median round): "
             f"{machine.get('date', '?')} on `{machine.get('cpu', '?')}`, "
             f"nproc={machine.get('nproc', '?')}, kernel {machine.get('kernel', '?')}, "
             f"sluice commit `{machine.get('commit', '?')}`, load average before/after "
             f"{machine.get('loadavg_before', '?')} / {machine.get('loadavg_after', '?')}. "
             "Load generator and server share the machine (loopback).", ""]
    parts.append(f"**{goal_line(results)}**")
    parts += ["", md_table(rows), "", "Ratios:", "",
              "| scenario | vs | measure | ratio |", "|---|---|---|---:|"]
    parts += ratio_lines(results, True)
    # Per-target parameters actually used.
    parts += ["", "Parameters per target (from the result objects):", ""]
    for r in results:
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jsonl", required=True, nargs="+", help="one JSON Lines file per round")
    ap.add_argument("--out", required=True)
    ap.add_argument("--doc")
    ap.add_argument("--machine", nargs="*", default=[])
    ap.add_argument("--notes", default="")
    a = ap.parse_args()
    runs = load(a.jsonl)
    results = medians(runs)
    order = {t: i for i, t in enumerate(TARGETS)}
    sorder = {s: i for i, (s, _) in enumerate(SCENARIOS)}
    results.sort(key=lambda r: (sorder.get(r["scenario"], 99), order.get(r["target"], 99)))
    machine = dict(kv.split("=", 1) for kv in a.machine)
    with open(a.out, "w") as f:
        json.dump({"schema": "sluice-bench-run/v1", "machine": machine, "results": results,
                   "all_rounds": runs}, f, indent=2)
        f.write("\n")
    print()
    print(text_table(table_rows(results)))
    print()
    for line in ratio_lines(results, False):
        print(line)
    print(goal_line(results))
    if a.doc:
        try:
            doc = open(a.doc).read()
        except FileNotFoundError:
            doc = f"# Performance\n\n## Results\n\n{BEGIN}\n{END}\n"
        if BEGIN not in doc or END not in doc:
            doc += f"\n## Results\n\n{BEGIN}\n{END}\n"
        pre, rest = doc.split(BEGIN, 1)
        _, post = rest.split(END, 1)
        doc = pre + render_doc(results, machine, a.notes) + post
        with open(a.doc, "w") as f:
            f.write(doc)
        print(f"updated {a.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
