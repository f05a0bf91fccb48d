#!/usr/bin/python3
"""Reference numbers for tests/test_hodgkin_huxley.c, computed independently of redes.

Also the course preset (1952 convention, forward Euler) as a plain numpy loop.

The Hodgkin-Huxley equations (modern convention) integrated by scipy's LSODA
with rtol = atol = 1e-10 and event location for the 0 mV crossings and the
peaks.  Writes tests/golden/hh_reference.json.  Run: /usr/bin/python3 tests/golden/make_hh_reference.py
(takes about a minute)."""
import json, os
import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

E_NA, E_K, E_L, G_NA, G_K, G_L, C = 50.0, -77.0, -54.387, 120.0, 36.0, 0.3, 1.0

def rates(v):
    u = v + 65.0
    alpha_n = 0.01 * (10 - u) / np.expm1((10 - u) / 10)
    beta_n = 0.125 * np.exp(-u / 80)
    alpha_m = 0.1 * (25 - u) / np.expm1((25 - u) / 10)
    beta_m = 4 * np.exp(-u / 18)
    alpha_h = 0.07 * np.exp(-u / 20)
    beta_h = 1 / (np.exp((30 - u) / 10) + 1)
    return alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n

def steady(v):
    am, bm, ah, bh, an, bn = rates(v)
    return am / (am + bm), ah / (ah + bh), an / (an + bn)

def ionic(v, m, h, n):
    return G_NA * m**3 * h * (v - E_NA) + G_K * n**4 * (v - E_K) + G_L * (v - E_L)

v_rest = brentq(lambda v: ionic(v, *steady(v)), -70, -60, xtol=1e-14)
y_rest = [v_rest, *steady(v_rest)]

def f(t, y, current):
    v, m, h, n = y
    am, bm, ah, bh, an, bn = rates(v)
    return [(current - ionic(v, m, h, n)) / C, am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n]

def run(current, duration, t_eval=None, with_peaks=True):
    crossing = lambda t, y, c: y[0]
    crossing.direction = 1
    peak = lambda t, y, c: f(t, y, c)[0]
    peak.direction = -1
    return solve_ivp(f, (0, duration), y_rest, args=(current,), method="LSODA", rtol=1e-10, atol=1e-10,
                     events=[crossing, peak] if with_peaks else [crossing], max_step=0.05, t_eval=t_eval, dense_output=False)

def spikes(current, duration, with_peaks=True):
    s = run(current, duration, with_peaks=with_peaks)
    return s.t_events[0], (s.y_events[1][:, 0] if with_peaks else None)

def bisect(fires, low, high, tolerance=1e-4):
    while high - low > tolerance:
        middle = 0.5 * (low + high)
        if fires(middle): high = middle
        else: low = middle
    return 0.5 * (low + high)

out = {"rest": {"v": v_rest, "m": y_rest[1], "h": y_rest[2], "n": y_rest[3]}}
times = [0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0]
s = run(10.0, 20.0, t_eval=times)
out["trace_10"] = {"t": times, "v": list(s.y[0]), "m": list(s.y[1]), "h": list(s.y[2]), "n": list(s.y[3])}
out["rates"] = {}
for current in (10.0, 20.0, 50.0):
    crossings, peaks = spikes(current, 1000.0)
    window = crossings[(crossings >= 500) & (crossings < 1000)]
    out["rates"][str(int(current))] = {"first_spike": crossings[0], "first_peak": peaks[0],
                                       "n_spikes": int(len(crossings)), "rate_hz": len(window) / 0.5}
out["rheobase"] = bisect(lambda i: len(spikes(i, 200.0, False)[0]) >= 1, 2.0, 2.5)
out["repetitive_onset"] = bisect(lambda i: np.any(spikes(i, 1000.0, False)[0] >= 800), 6.0, 6.5, 1e-3)
# The course's preset: 1952 convention (V from rest: E_Na 115, E_K -12, E_L 10.613), forward Euler
# at dt 0.01 ms over 50 ms from the resting state, 2.4 uA/cm^2 for 10 <= t < 16 ms.  Same rates
# with u = V.  Largest sample of V and its time.
E_NA_1952, E_K_1952, E_L_1952 = 115.0, -12.0, 10.613
def ionic_1952(v, m, h, n):
    return G_NA * m**3 * h * (v - E_NA_1952) + G_K * n**4 * (v - E_K_1952) + G_L * (v - E_L_1952)
rates_1952 = lambda v: rates(v - 65.0)
def steady_1952(v):
    am, bm, ah, bh, an, bn = rates_1952(v)
    return am / (am + bm), ah / (ah + bh), an / (an + bn)
v = brentq(lambda v: ionic_1952(v, *steady_1952(v)), -5, 5, xtol=1e-14)
rest_1952 = v
m, h, n = steady_1952(v)
best_v, best_t, dt = -1e9, 0.0, 0.01
for k in range(5000):
    t = k * dt
    current = 2.4 if 10 <= t < 16 else 0.0
    am, bm, ah, bh, an, bn = rates_1952(v)
    v, m, h, n = (v + dt * (current - ionic_1952(v, m, h, n)) / C, m + dt * (am * (1 - m) - bm * m),
                  h + dt * (ah * (1 - h) - bh * h), n + dt * (an * (1 - n) - bn * n))
    if v > best_v:
        best_v, best_t = v, (k + 1) * dt
out["course"] = {"rest": rest_1952, "max_v": best_v, "max_t": best_t}

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hh_reference.json")
with open(path + ".tmp", "w") as file:
    json.dump(out, file, indent=1)
os.replace(path + ".tmp", path)
print(json.dumps(out, indent=1))
