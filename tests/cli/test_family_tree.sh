#!/usr/bin/env bash
# `redes family-tree`: the acceptance fields, held-out cases by name, pictures, and bad input.
set -u
source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Short runs (the acceptance run is `--runs 20 --seed 1 --json`, about 10 s on 2 cores).
fast=(--sweeps 300 --no-plots)
run_capture "$REDES" family-tree --runs 3 --seed 1 --json --quiet "${fast[@]}"
if [ "$check_status" -eq 0 ]; then report ok; else report fail "family-tree --json exited $check_status: $check_stderr"; fi
for field in train_accuracy test_accuracy nationality_correlation test_ranked_accuracy; do
    n=$(json_field "$field" | /usr/bin/python3 -c "import json,sys; print(len(json.load(sys.stdin)))")
    if [ "$n" = 3 ]; then report ok; else report fail "$field should have 3 runs, has '$n'"; fi
done
mean=$(json_field test_accuracy_mean)
if [[ "$mean" =~ ^[0-9.]+$ ]]; then report ok; else report fail "test_accuracy_mean is '$mean'"; fi
seeds=$(json_field run_seeds)
if [ "$seeds" = "[1, 2, 3]" ]; then report ok; else report fail "run_seeds is $seeds"; fi

# Same seed, same numbers (runs in parallel or not).
first=$check_stdout
run_capture env OMP_NUM_THREADS=1 "$REDES" family-tree --runs 3 --seed 1 --json --quiet "${fast[@]}"
a=$(printf '%s' "$first" | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(d['final_loss'])")
b=$(printf '%s' "$check_stdout" | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(d['final_loss'])")
if [ "$a" = "$b" ]; then report ok; else report fail "same seed gave $a and $b"; fi

# The autodiff implementation gives the same run (float round-off aside).
run_capture "$REDES" family-tree --implementation autograd --seed 1 --json --quiet "${fast[@]}"
c=$(json_field final_loss)
d=$(printf '%s' "$first" | /usr/bin/python3 -c "import json,sys; print(json.dumps(json.load(sys.stdin)['final_loss'][:1]))")
close=$(/usr/bin/python3 -c "import sys; a=$c; b=$d; print(int(abs(a[0]-b[0]) <= 1e-3*abs(b[0])))")
if [ "$close" = 1 ]; then report ok; else report fail "autograd loss $c, by hand $d"; fi

# Named held-out cases are the ones tested, and the text output says what the network answered.
run_capture "$REDES" family-tree --holdout Colin:aunt,Emilio:father --json --quiet "${fast[@]}"
held=$(json_field heldout | /usr/bin/python3 -c "import json,sys; print(' '.join(c['person']+':'+c['relation'] for c in json.load(sys.stdin)[0]))")
if [ "$held" = "Colin:aunt Emilio:father" ]; then report ok; else report fail "held out '$held'"; fi
expect_output "held out Colin +aunt .*truth Margaret\+Jennifer" "$REDES" family-tree --holdout Colin:aunt "${fast[@]}"

# The paper's recipe collapses: nothing right, every output about 0.2.
expect_output "nobody above 0.5" "$REDES" family-tree --recipe hinton1986 --sweeps 200 --no-plots

# Pictures and the codes of the 24 people.
expect_status 0 "$REDES" family-tree --sweeps 200 --out "$tmp/run" --quiet
for f in hinton_person_units.png hinton_person_units_library.png people_2d.png loss.png person_codes.csv hinton_person_units.gp; do
    if [ -s "$tmp/run/$f" ]; then report ok; else report fail "missing $tmp/run/$f"; fi
done
lines=$(grep -c '' "$tmp/run/person_codes.csv")
if [ "$lines" = 25 ]; then report ok; else report fail "person_codes.csv has $lines lines"; fi
# The names in people_2d.png: 24 a panel, no two overlapping, none on a point
# (markers: 8 px round each point), all inside the plot area, each next to
# its point or joined to it by a leader line.
if /usr/bin/python3 - "$tmp/run/people_2d_labels.dat" "$tmp/run/person_codes.csv" <<'PY'
import sys
blocks = open(sys.argv[1]).read().split("\n\n\n")
rows = [[line.split(",") for line in b.splitlines() if line and not line.startswith("#")] for b in blocks]
rows = [r for r in rows if r]
names = [line.split(",")[0] for line in open(sys.argv[2]).read().splitlines()[1:]]
assert len(rows) == 2, len(rows)
def overlap(a, b):
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])
for panel in rows:
    assert [r[4] for r in panel] == names, [r[4] for r in panel]
    boxes = [tuple(map(float, r[5:9])) for r in panel]
    xs = [float(r[0]) for r in panel]; ys = [float(r[1]) for r in panel]
    nx = [float(r[2]) for r in panel]; ny = [float(r[3]) for r in panel]
    # pixels per data unit, from two names' centres and boxes
    for i, a in enumerate(boxes):
        assert a[0] >= 0 and a[1] >= 0, a
        for j, b in enumerate(boxes):
            assert i == j or not overlap(a, b), (panel[i][4], panel[j][4])
    # Markers in pixels: the box centre maps to (name_x, name_y); fit the scale from all names.
    k = [i for i in range(1, 24) if abs(nx[i] - nx[0]) > 1e-9 and abs(ny[i] - ny[0]) > 1e-9][0]
    sx = ((boxes[k][0] + boxes[k][2]) / 2 - (boxes[0][0] + boxes[0][2]) / 2) / (nx[k] - nx[0])
    sy = ((boxes[k][1] + boxes[k][3]) / 2 - (boxes[0][1] + boxes[0][3]) / 2) / (ny[k] - ny[0])
    cx0 = (boxes[0][0] + boxes[0][2]) / 2 - sx * nx[0]; cy0 = (boxes[0][1] + boxes[0][3]) / 2 - sy * ny[0]
    for i, a in enumerate(boxes):
        for j in range(24):
            px, py = cx0 + sx * xs[j], cy0 + sy * ys[j]
            assert not overlap(a, (px - 7.9, py - 7.9, px + 7.9, py + 7.9)), (panel[i][4], "covers", names[j])
PY
then report ok; else report fail "people_2d names overlap"; fi
grep -q "people_2d_labels.dat' index 1 using 3:4:5 with labels" "$tmp/run/people_2d.gp" && report ok || report fail "people_2d.gp does not draw the placed names"

# Bad input: exit 2 and one precise line.
expect_status 2 "$REDES" family-tree --holdout Colin:wife
expect_stderr "Colin has no wife" "$REDES" family-tree --holdout Colin:wife
expect_stderr "unknown person" "$REDES" family-tree --holdout Nobody:aunt
expect_stderr "--holdout must name cases or be a count" "$REDES" family-tree --holdout 0
expect_stderr "--runs must be between" "$REDES" family-tree --runs 0
expect_stderr "--loss must be one of" "$REDES" family-tree --loss cubic
expect_stderr "--recipe must be one of" "$REDES" family-tree --recipe hinton
expect_stderr "no/such/facts.tsv" "$REDES" family-tree --data /no/such/facts.tsv
expect_status 2 "$REDES" family-tree --data /no/such/facts.tsv
expect_stderr "expects a number" "$REDES" family-tree --learning-rate fast
finish
