"""A bulk load with schedulers running beside the same load alone (DESIGN 7.4: at most 1.5 times).

    python -m benchmarks.bulk_load [--patients 300] [--schedulers 2] [--urls URL URL]

``careplan demo --patients N`` (written and brought into the read views) into an empty store, timed
alone, then into a second empty store while ``--schedulers`` scheduler processes run on it (one leads,
the others stand by). ``--urls`` names the two empty stores (default: two new SQLite files).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time


def load(url: str, patients: int, schedulers: int) -> float:
    env = {**os.environ, "CAREPLAN_DATABASE_URL": url, "CAREPLAN_MODE": "demo"}
    running = [
        subprocess.Popen([*_careplan(), "scheduler", "--interval", "5"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(schedulers)
    ]
    try:
        if running:
            time.sleep(5)  # started, one leading
        started = time.perf_counter()
        subprocess.run([*_careplan(), "demo", "--patients", str(patients)], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - started
    finally:
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            process.wait(timeout=30)


def _careplan() -> list[str]:
    return [sys.executable, "-c", "import sys; from careplan.entrypoints.cli.main import main; sys.exit(main())"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=300)
    parser.add_argument("--schedulers", type=int, default=2)
    parser.add_argument("--urls", nargs=2, metavar="URL", help="two empty stores (default: two new SQLite files)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="careplan-bulk-")
    alone_url, busy_url = args.urls or [f"sqlite:///{folder}/alone.sqlite", f"sqlite:///{folder}/busy.sqlite"]
    alone = load(alone_url, args.patients, 0)
    busy = load(busy_url, args.patients, args.schedulers)
    print(f"careplan demo --patients {args.patients}: alone {alone:.1f} s, with {args.schedulers} schedulers "
          f"{busy:.1f} s ({busy / alone:.2f} times)", flush=True)


if __name__ == "__main__":
    main()
