"""Per-query latency of tt-rec as a filter: one history written to its
standard input, its answer (lines up to an empty line) read back, then the
next.  Usage: rec_driver.py HISTORIES LABEL TT-REC-ARGS...  Prints the
queries per second and the median, 90th and 99th percentile in
milliseconds after a warm-up query, each line starting with LABEL."""
import subprocess
import sys
import time

histories = [l for l in open(sys.argv[1]) if l.strip()]
label = sys.argv[2]
proc = subprocess.Popen(sys.argv[3:], stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, text=True, bufsize=1)


def ask(line):
    proc.stdin.write(line)
    proc.stdin.flush()
    n = 0
    for out in proc.stdout:
        if out == "\n":
            return n
        n += 1
    sys.exit("tt-rec ended before answering")


ask(histories[0])  # the load is not a query's time
times = []
for h in histories:
    t = time.perf_counter()
    if ask(h) == 0:
        sys.exit("no recommendations for: " + h.strip())
    times.append(time.perf_counter() - t)
proc.stdin.close()
if proc.wait() != 0:
    sys.exit("tt-rec failed")
times.sort()
pct = lambda p: 1000 * times[min(len(times) - 1, int(p * len(times)))]
print("%s queries per second (%d, one client): %.0f" % (label, len(times), len(times) / sum(times)))
print("%s query ms median / p90 / p99: %.3f / %.3f / %.3f"
      % (label, pct(0.5), pct(0.9), pct(0.99)))
