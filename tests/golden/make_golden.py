#!/usr/bin/env python3
"""Runs every tests/golden/make_*_golden.py (each writes its own fixtures).

`make golden` calls this; run one script alone to regenerate one module's files.
"""
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
failed = 0
for script in sorted(glob.glob(os.path.join(HERE, "make_*_golden.py"))):
    print("==>", os.path.basename(script), flush=True)
    failed |= subprocess.call([sys.executable, script]) != 0
sys.exit(1 if failed else 0)
