#!/usr/bin/env python3
"""The modelled part of docs/SCALING.md: training and scoring throughput for P executors, from the
figures measured on one machine (bench/spark-bench.sh) plus one assumed network bandwidth.
Nothing here is measured; every input is a command-line argument, so the table can be redone with a
cluster's own figures.

Training round (one core per executor, threadsPerTask 1):
  T_round(P) = K * t_step                      compute, the same on every executor (measured t_step)
             + o                               Spark job overhead per round with one shard, its state serialised
                                               both ways included (measured in local[2])
             + (P - 1) * S * (c + d)           the driver's combine (measured c) and deserialising the other
                                               shards' states (d: half the measured growth of o with S)
             + (P * S + 2 * S) / B             states to the driver, one torrent broadcast back (modelled)
  rows/s(P)  = P * K * batch / T_round(P);   sync share = 1 - K * t_step / T_round(P)
Scoring: rows/s(P) = P * r_core * e, with no exchange between executors after the model's broadcast.
"""
import argparse


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--name", required=True)
    a.add_argument("--t-step", type=float, required=True, help="seconds per optimizer step of one batch, 1 thread (measured)")
    a.add_argument("--overhead", type=float, required=True, help="seconds of Spark overhead per round (measured, local[2])")
    a.add_argument("--combine", type=float, required=True, help="driver combine seconds per MB of shard state (measured)")
    a.add_argument("--deserialize", type=float, required=True, help="driver seconds per MB to deserialise a shard's state (derived)")
    a.add_argument("--state-mb", type=float, required=True, help="MB of weights + Adam moments one shard sends (measured)")
    a.add_argument("--bandwidth", type=float, default=1250.0, help="driver network MB/s (assumed: 10 GbE)")
    a.add_argument("--batch", type=int, default=16)
    a.add_argument("--k", type=int, nargs="+", default=[16, 64, 256])
    a.add_argument("--p", type=int, nargs="+", default=[2, 4, 8, 16, 32, 64])
    x = a.parse_args()
    print(f"{x.name}: t_step {x.t_step*1000:.1f} ms, overhead {x.overhead:.3f} s/round, combine {x.combine*1000:.2f} ms/MB, "
          f"deserialise {x.deserialize*1000:.2f} ms/MB, state {x.state_mb:.1f} MB, network {x.bandwidth:.0f} MB/s (assumed)")
    print("| P | " + " | ".join(f"K={k}: rows/s, sync share" for k in x.k) + " | K for sync <= 10 % |")
    print("|--:|" + "--:|" * len(x.k) + "--:|")
    for p in x.p:
        cells = []
        sync = x.overhead + (p - 1) * x.state_mb * (x.combine + x.deserialize) + (p * x.state_mb + 2 * x.state_mb) / x.bandwidth
        for k in x.k:
            t = k * x.t_step + sync
            cells.append(f"{p * k * x.batch / t:,.0f}, {100 * sync / t:.0f} %")
        k10 = 9 * sync / x.t_step
        print(f"| {p} | " + " | ".join(cells) + f" | {k10:,.0f} |")


if __name__ == "__main__":
    main()
