"""A steady flood of numbered lines for tests/spliced_output.rs, in plain Python.

    flood.py STOP DONE

Writes batches of 100 lines `%09d the quick brown fox jumps over the lazy dog` (0, 1,
2, ...) to stdout, each batch flushed at once and followed by a 5 ms pause, so the
flood lasts as long as the test needs without outgrowing the log's backups. Once
file STOP exists it finishes the batch, writes the number of lines it wrote to DONE
(atomically) and exits.
"""

import os
import sys
import time

BATCH = 100


def main():
    stop, done = sys.argv[1], sys.argv[2]
    out = sys.stdout.buffer
    n = 0
    while not os.path.exists(stop):
        lines = (b"%09d the quick brown fox jumps over the lazy dog\n" % i for i in range(n, n + BATCH))
        out.write(b"".join(lines))
        out.flush()
        n += BATCH
        time.sleep(0.005)
    with open(done + ".tmp", "w") as f:
        f.write(str(n))
    os.rename(done + ".tmp", done)


if __name__ == "__main__":
    main()
