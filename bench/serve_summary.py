"""bench/serve.sh's raw files -> summary.json and summary.md in the same folder, and the tables on stdout.

    /usr/bin/python3 bench/serve_summary.py bench/results/serve-DATE
Standard library only. Reads, per server (jrnn/, anchor/): each wrk run's output (load.lua's RESULT line)
and serve.sh's .meta (command, CPU ticks, load), the memory snapshots taken after each model's runs, and
inproc_bilstm2x64.json (`jrnn bench`). Computes the side-by-side table and checks issue 12's point-7 targets.
The definitions are the anchor's (shared/anchors/pytorch-serve/README.md, "Load and definitions").
"""

import glob
import json
import os
import sys

SERVERS = {"jrnn": "jrnn serve", "anchor": "PyTorch anchor (Flask + gunicorn sync2)"}
ORDER = {"rnn_masked": 0, "bilstm2x64": 1}
# Issue 12, point 7
TEXTS_RATIO = 5.0
RNN_REQ_PER_S, RNN_P99_MS = 15000.0, 20.0
INPROC_SHARE = 0.70


def read_meta(path):
    return dict(l.rstrip("\n").split("=", 1) for l in open(path) if "=" in l)


def read_run(server, txt):
    m = read_meta(txt[:-4] + ".meta")
    lines = [l for l in open(txt) if l.startswith("RESULT ")]
    if not lines:
        raise SystemExit(f"serve_summary: {txt} has no RESULT line (wrk failed? see the file)")
    res = json.loads(lines[-1][7:])
    b, dur = int(m["batch"]), res["duration_s"]
    wall, user, sys_ = (float(x) for x in m["wrk_time"].split())
    tck = int(m["clk_tck"])
    srv = int(m["server_ticks"]) / tck
    lat = res["latency_us"]
    return {
        "server": server, "model": m["model"], "texts_per_request": b, "connections": int(m["connections"]),
        "wrk_threads": int(m["wrk_threads"]), "requests": res["requests"], "duration_s": round(dur, 3),
        "requests_per_s": round(res["requests_per_s"], 1),
        "texts_per_s": round((res["requests"] - res["non2xx"]) * b / dur, 1),   # 2xx only, as the anchor
        "latency_ms": {k: round(lat[k] / 1000, 3) for k in ("p50", "p90", "p99", "mean", "max")},
        "non2xx": res["non2xx"], "non2xx_by_status": res["non2xx_by_status"],
        "socket_errors": res["socket_errors"], "socket_errors_total": sum(res["socket_errors"].values()),
        "server_cpu_cores": round(srv / wall, 2), "wrk_cpu_cores": round((user + sys_) / wall, 2),
        "other_cpu_cores": round(max(0.0, int(m["vm_busy_ticks"]) / tck - srv - user - sys_) / wall, 2),
        "steal_cpu_cores": round(int(m["vm_steal_ticks"]) / tck / wall, 2),
        "loadavg_before": m.get("loadavg_before"),
        "command": m["command"],
        "raw": os.path.basename(os.path.dirname(txt)) + "/" + os.path.basename(txt),
    }


def memory(out, server, model):
    p = os.path.join(out, server, f"{model}_procs.json")
    if not os.path.exists(p):
        return None
    procs = json.load(open(p))
    return {"rss_mib": round(sum(x["rss_mib"] for x in procs), 1), "peak_rss_mib": round(sum(x["peak_rss_mib"] for x in procs), 1),
            "pss_mib": round(sum(x["pss_mib"] or 0 for x in procs), 1), "processes": procs}


def fmt(x):
    return format(int(round(x)), ",")


def verdict(ok):
    return "**met**" if ok else "**not met**"


def main():
    out = sys.argv[1]
    rows = []
    for server in SERVERS:
        rows += [read_run(server, t) for t in glob.glob(os.path.join(out, server, "*_c*.txt"))]
    rows.sort(key=lambda r: (list(SERVERS).index(r["server"]), ORDER.get(r["model"], 9), r["model"], r["texts_per_request"], r["connections"]))
    for r in rows:
        r["memory_after_model"] = memory(out, r["server"], r["model"])
    env = json.load(open(os.path.join(out, "env.json"))) if os.path.exists(os.path.join(out, "env.json")) else {}
    inproc_p = os.path.join(out, "inproc_bilstm2x64.json")
    inproc = json.load(open(inproc_p)) if os.path.exists(inproc_p) else None
    key = lambda r: (r["model"], r["texts_per_request"], r["connections"])
    by = {(r["server"],) + key(r): r for r in rows}

    md = [f"Measured with `bench/serve.sh` on {env.get('date', '?')}; raw files in this folder. Machine: {env.get('machine', '?')}.", ""]
    for k, v in env.get("versions", {}).items():
        md.append(f"- {k}: `{v}`")
    md.append("")
    for server, title in SERVERS.items():
        rs = [r for r in rows if r["server"] == server]
        if not rs:
            md += [f"### {title}", "", "not measured in this run", ""]
            continue
        md += [f"### {title}", "", f"Server: `{open(os.path.join(out, server, 'server.cmd')).read().strip()}`", "",
               "| model | texts/req | connections (wrk -t) | requests/s | texts/s | p50 ms | p90 ms | p99 ms | non-2xx | socket errors | server CPU (cores) | wrk CPU | other / steal CPU | server RSS MiB after the model's runs (peak) |",
               "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in rs:
            L, mem = r["latency_ms"], r["memory_after_model"]
            md.append(f"| {r['model']} | {r['texts_per_request']} | {r['connections']} ({r['wrk_threads']}) | {fmt(r['requests_per_s'])} | {fmt(r['texts_per_s'])} | "
                      f"{L['p50']:.2f} | {L['p90']:.2f} | {L['p99']:.2f} | {r['non2xx']} | {r['socket_errors_total']} | {r['server_cpu_cores']:.2f} | "
                      f"{r['wrk_cpu_cores']:.2f} | {r['other_cpu_cores']:.2f} / {r['steal_cpu_cores']:.2f} | "
                      + (f"{mem['rss_mib']:.0f} ({mem['peak_rss_mib']:.0f}) |" if mem else "n/a |"))
        md.append("")

    side = []
    jr = [r for r in rows if r["server"] == "jrnn"]
    if jr and any(r["server"] == "anchor" for r in rows):
        md += ["### Side by side", "",
               "| model | texts/req | connections | jrnn texts/s | anchor texts/s | jrnn / anchor texts/s | jrnn p99 ms | anchor p99 ms | p99 lower? | jrnn errors | anchor errors |",
               "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in jr:
            a = by.get(("anchor",) + key(r))
            if not a:
                continue
            ratio = r["texts_per_s"] / a["texts_per_s"] if a["texts_per_s"] else float("inf")
            lower = r["latency_ms"]["p99"] < a["latency_ms"]["p99"]
            side.append({"model": r["model"], "texts_per_request": r["texts_per_request"], "connections": r["connections"],
                         "texts_per_s_ratio": round(ratio, 2), "p99_ms": [r["latency_ms"]["p99"], a["latency_ms"]["p99"]], "p99_lower": lower})
            md.append(f"| {r['model']} | {r['texts_per_request']} | {r['connections']} | {fmt(r['texts_per_s'])} | {fmt(a['texts_per_s'])} | {ratio:.2f}× | "
                      f"{r['latency_ms']['p99']:.2f} | {a['latency_ms']['p99']:.2f} | {'yes' if lower else 'no'} | "
                      f"{r['non2xx'] + r['socket_errors_total']} | {a['non2xx'] + a['socket_errors_total']} |")
        md.append("")

    # Targets (issue 12, point 7). Each is "not measured" unless this run holds every row it needs.
    targets = []
    if side:
        bad = [s for s in side if not (s["texts_per_s_ratio"] >= TEXTS_RATIO and s["p99_lower"])]
        targets.append({"target": f"every row >= {TEXTS_RATIO:g}x the anchor's texts/s with a lower p99", "met": not bad,
                        "detail": f"{len(side) - len(bad)}/{len(side)} rows; lowest ratio {min(s['texts_per_s_ratio'] for s in side):.2f}x"
                                  + (f"; failing: " + ", ".join(f"{s['model']} b{s['texts_per_request']} c{s['connections']}" for s in bad) if bad else "")})
    else:
        targets.append({"target": f"every row >= {TEXTS_RATIO:g}x the anchor's texts/s with a lower p99", "met": None,
                        "detail": "needs both servers in one run"})
    r = by.get(("jrnn", "rnn_masked", 1, 64))
    t = f"rnn_masked, 1 text/request, 64 connections: >= {RNN_REQ_PER_S:,.0f} req/s, p99 <= {RNN_P99_MS:g} ms, 0 errors"
    if r:
        errs = r["non2xx"] + r["socket_errors_total"]
        targets.append({"target": t, "met": r["requests_per_s"] >= RNN_REQ_PER_S and r["latency_ms"]["p99"] <= RNN_P99_MS and errs == 0,
                        "detail": f"{fmt(r['requests_per_s'])} req/s, p99 {r['latency_ms']['p99']:.2f} ms, {errs} errors"})
    else:
        targets.append({"target": t, "met": None, "detail": "no jrnn row for it in this run"})
    t = f"bilstm2x64 texts/s through HTTP at 64 connections >= {INPROC_SHARE:.0%} of in-process batched inference (`jrnn bench`, steady state)"
    hs = [x for x in jr if x["model"] == "bilstm2x64" and x["connections"] == 64]
    if hs and inproc:
        steady, single = inproc["steadyInferenceSamplesPerSecond"], inproc["inferenceSamplesPerSecond"]
        parts, ok = [], True
        for x in hs:
            share = x["texts_per_s"] / steady
            ok &= share >= INPROC_SHARE
            parts.append(f"{x['texts_per_request']} text(s)/request: {fmt(x['texts_per_s'])} texts/s = {share:.0%} of steady {fmt(steady)} "
                         f"({x['texts_per_s'] / single:.0%} of the single timed pass, {fmt(single)})")
        targets.append({"target": t + "; every texts/request row", "met": ok, "detail": "; ".join(parts)})
    else:
        targets.append({"target": t, "met": None, "detail": "no jrnn row at 64 connections" if not hs else "no jrnn bench figure"})
    md += ["### Targets (issue 12, point 7)", ""]
    for x in targets:
        md.append(f"- {x['target']}: " + ("not measured" if x["met"] is None else verdict(x["met"])) + f" ({x['detail']})")
    md.append("")
    if inproc:
        md += [f"In-process (`jrnn bench --preset bilstm2x64`, {inproc.get('threads')} threads, batch 256, test set): "
               f"{fmt(inproc['inferenceSamplesPerSecond'])} samples/s single timed pass, {fmt(inproc['steadyInferenceSamplesPerSecond'])} steady state "
               f"(command in `inproc.cmd`).", ""]
    vocab = env.get("jrnn_models")
    if vocab:
        md += ["jrnn models served (trained by serve.sh; labels do not matter for speed): "
               + "; ".join(f"{m}: V = {fmt(v['vocab_size'])}, {fmt(v['params'])} parameters, test accuracy {v['test_accuracy']:.4f}" for m, v in vocab.items())
               + ". The anchor's weights are random, V = 11,358.", ""]

    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump({"env": env, "rows": rows, "side_by_side": side, "targets": targets, "inproc_bilstm2x64": inproc}, f, indent=2)
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
