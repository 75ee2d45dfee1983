#!/usr/bin/env python3
"""The peer in `diff_throughput`: times jsonsubschema's `isSubschema(old, new)` over a corpus.

usage: jsonsubschema_peer.py CORPUS.jsonl [--timeout SECONDS]

CORPUS.jsonl holds one pair a line, `{"id", "old", "new", ...}`. `isSubschema(old, new)` asks
whether every document valid under `old` is valid under `new`: backward compatibility, the
question `herald diff --mode backward` answers. Each pair runs once, with a per-pair timeout
(SIGALRM); an exception or a timeout leaves the pair undecided. Only the call is timed (the
corpus is parsed before, and each schema is deep-copied before the clock starts, since
jsonsubschema resolves `$ref`s in place).

Prints one JSON object on stdout:
  {"version", "python", "pairs", "seconds", "seconds_decided", "timeout",
   "true", "false", "errors", "timeouts", "error_kinds": {kind: count},
   "per_pair": {id: "true" | "false" | "error:KIND" | "timeout"},
   "per_pair_seconds": {id: seconds}}
`seconds` is the sum of every call's time, timed-out calls counting up to the timeout.

Exit 3 (with how to install it on stderr) when jsonsubschema cannot be imported.
"""

import argparse
import copy
import json
import signal
import sys
import time


class PairTimeout(BaseException):
    """Raised by the alarm. A BaseException, so `except Exception` inside the library cannot
    swallow it."""


def on_alarm(signum, frame):
    raise PairTimeout()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus")
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    try:
        from jsonsubschema import api
    except ImportError as error:
        print(
            f"jsonsubschema is not importable by {sys.executable} ({error}).\n"
            "Install it, e.g.: python3 -m venv /tmp/jss-venv && "
            "/tmp/jss-venv/bin/pip install jsonsubschema, then run the bench with "
            "HERALD_BENCH_PYTHON=/tmp/jss-venv/bin/python",
            file=sys.stderr,
        )
        return 3
    try:
        from importlib.metadata import version

        peer_version = version("jsonsubschema")
    except Exception:  # noqa: BLE001 - the version is informative only
        peer_version = "unknown"

    with open(args.corpus, encoding="utf-8") as corpus:
        pairs = [json.loads(line) for line in corpus if line.strip()]

    # The library recurses deeply on large schemas.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    signal.signal(signal.SIGALRM, on_alarm)
    counts = {"true": 0, "false": 0, "errors": 0, "timeouts": 0}
    error_kinds = {}
    per_pair = {}
    per_pair_seconds = {}
    seconds = 0.0
    seconds_decided = 0.0
    for pair in pairs:
        old = copy.deepcopy(pair["old"])
        new = copy.deepcopy(pair["new"])
        started = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, args.timeout)
        try:
            verdict = "true" if api.isSubschema(old, new) else "false"
        except PairTimeout:
            verdict = "timeout"
        except BaseException as error:  # noqa: BLE001 - any failure leaves the pair undecided
            if isinstance(error, KeyboardInterrupt):
                raise
            verdict = "error:" + type(error).__name__
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        elapsed = time.perf_counter() - started
        seconds += elapsed
        per_pair[pair["id"]] = verdict
        per_pair_seconds[pair["id"]] = elapsed
        if verdict in ("true", "false"):
            counts[verdict] += 1
            seconds_decided += elapsed
        elif verdict == "timeout":
            counts["timeouts"] += 1
        else:
            counts["errors"] += 1
            kind = verdict.split(":", 1)[1]
            error_kinds[kind] = error_kinds.get(kind, 0) + 1

    json.dump(
        {
            "version": peer_version,
            "python": sys.version.split()[0],
            "pairs": len(pairs),
            "seconds": seconds,
            "seconds_decided": seconds_decided,
            "timeout": args.timeout,
            **counts,
            "error_kinds": error_kinds,
            "per_pair": per_pair,
            "per_pair_seconds": per_pair_seconds,
        },
        sys.stdout,
    )
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
