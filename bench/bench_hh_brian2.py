#!/usr/bin/python3
"""The f-I sweep of bench/bench_hh.c in Brian2: 60 Hodgkin-Huxley neurons
(modern convention), step currents 1..60 uA/cm^2 from rest, 1 s at dt 0.01 ms.

usage: bench_hh_brian2.py [RUNS] [TARGET]   (TARGET: cython (default) or numpy)
Prints the median wall and CPU time of RUNS runs of net.run() per method (code
generation and compilation happen in an untimed warm-up run) and the rates
at 10, 20, 50 uA/cm^2 as a check that both programs compute the same thing."""
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import logging
logging.getLogger("brian2").setLevel(logging.ERROR)
from brian2 import (NeuronGroup, SpikeMonitor, Network, prefs, defaultclock, ms, mV, uF, mS, uA, cm, second,
                    BrianLogger)

BrianLogger.suppress_hierarchy("brian2")
runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
target = sys.argv[2] if len(sys.argv) > 2 else "cython"
prefs.codegen.target = target

# Hodgkin & Huxley (1952), modern convention; exprel avoids the 0/0 of alpha_n and alpha_m.
equations = """
dv/dt = (I - g_na*m**3*h*(v - E_na) - g_k*n**4*(v - E_k) - g_l*(v - E_l)) / C_m : volt
dm/dt = alpha_m*(1 - m) - beta_m*m : 1
dh/dt = alpha_h*(1 - h) - beta_h*h : 1
dn/dt = alpha_n*(1 - n) - beta_n*n : 1
u = v/mV + 65 : 1
alpha_m = 1/exprel((25 - u)/10)/ms : Hz
beta_m = 4*exp(-u/18)/ms : Hz
alpha_h = 0.07*exp(-u/20)/ms : Hz
beta_h = 1/(exp((30 - u)/10) + 1)/ms : Hz
alpha_n = 0.1/exprel((10 - u)/10)/ms : Hz
beta_n = 0.125*exp(-u/80)/ms : Hz
I : amp/meter**2
"""
namespace = dict(C_m=1 * uF / cm**2, g_na=120 * mS / cm**2, g_k=36 * mS / cm**2, g_l=0.3 * mS / cm**2,
                 E_na=50 * mV, E_k=-77 * mV, E_l=-54.387 * mV)
REST = (-64.99637933119206, 0.052955086813008125, 0.5959941247398638, 0.31773239976086576)
N = 60
defaultclock.dt = 0.01 * ms

for method in ("rk4", "exponential_euler"):
    group = NeuronGroup(N, equations, method=method, threshold="v > 0*mV", refractory="v > 0*mV",
                        namespace=namespace)
    group.v = REST[0] * mV
    group.m, group.h, group.n = REST[1], REST[2], REST[3]
    group.I = [(k + 1) * uA / cm**2 for k in range(N)]
    monitor = SpikeMonitor(group)
    net = Network(group, monitor)
    net.store()
    net.run(1 * second)  # warm-up: code generation and compilation
    times, cpu = [], []
    for _ in range(runs):
        net.restore()
        start, cpu_start = time.perf_counter(), time.process_time()
        net.run(1 * second)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
    spike_i, spike_t = monitor.i[:], monitor.t[:] / ms
    rates = [sum(1 for i, t in zip(spike_i, spike_t) if i == c - 1 and 500 <= t < 1000) / 0.5 for c in (10, 20, 50)]
    name = "rk4" if method == "rk4" else "exponential"
    print(f"brian2_{name}_s {statistics.median(times):.4f} cpu {statistics.median(cpu):.4f}   "
          f"(wall and CPU s, {target} target, median of {runs}; "
          f"rates at 10/20/50: {rates[0]:g} {rates[1]:g} {rates[2]:g} Hz)")
