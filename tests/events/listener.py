"""An event listener in plain Python (no supervisor import), speaking Supervisor's
protocol on stdin/stdout like any plugin, and recording every delivery as a JSON line.

    listener.py RECORD [--fail-first N] [--die-once FLAG] [--garbage-once FLAG]
                       [--hold-first FLAG]

--fail-first N    answer FAIL to the first N deliveries (counted across restarts in
                  RECORD), then OK.
--die-once FLAG   on the first delivery, if FLAG does not exist: create it and exit
                  without answering (the event must be redelivered).
--garbage-once F  likewise, but answer with bytes the protocol does not allow.
--hold F          after recording the second delivery, wait until file F exists
                  before answering it (events sent meanwhile pile up).
"""

import json
import os
import sys
import time


def main():
    args = sys.argv[1:]
    record = args.pop(0)
    opts = {}
    while args:
        key = args.pop(0)
        opts[key] = args.pop(0)
    fail_first = int(opts.get("--fail-first", "0"))

    def deliveries():
        try:
            with open(record) as f:
                return sum(1 for _ in f)
        except FileNotFoundError:
            return 0

    while True:
        sys.stdout.write("READY\n")
        sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:
            return
        headers = dict(token.split(":", 1) for token in line.split())
        payload = sys.stdin.read(int(headers["len"]))
        seen = deliveries()
        once_die = opts.get("--die-once")
        if once_die and not os.path.exists(once_die):
            open(once_die, "w").close()
            append(record, line, payload, "died")
            sys.exit(1)
        once_garbage = opts.get("--garbage-once")
        if once_garbage and not os.path.exists(once_garbage):
            open(once_garbage, "w").close()
            append(record, line, payload, "garbage")
            sys.stdout.write("this is not the protocol\n")
            sys.stdout.flush()
            # Stay alive: the daemon decides what to do with a broken listener.
            while True:
                time.sleep(3600)
        result = "FAIL" if seen < fail_first else "OK"
        append(record, line, payload, result)
        hold = opts.get("--hold")
        if hold and seen == 1:
            # Wait for the test's flag, with a deadline so a broken test ends.
            end = time.monotonic() + 60
            while not os.path.exists(hold):
                if time.monotonic() > end:
                    sys.exit("listener: no release flag within 60 s")
                time.sleep(0.01)
        sys.stdout.write("RESULT %d\n%s" % (len(result), result))
        sys.stdout.flush()


def append(record, header, payload, result):
    with open(record, "a") as f:
        f.write(json.dumps({"header": header, "payload": payload, "result": result}) + "\n")


if __name__ == "__main__":
    main()
