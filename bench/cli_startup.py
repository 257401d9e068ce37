"""`fieldkit --help` against `python -c "import flask"`, each started N times in the same run.

Target (issue #14): the median wall time of `fieldkit --help` under 0.5 s; the script exits 1
when it is not. The floor, `python -c "import flask"` (a Python process that imports Flask and
nothing of fieldkit), is measured in the same run, interleaved with the others, and the ratio
printed beside each median: the development machine is shared, so wall times move with the
other engineers' load (printed before and after, with the CPU time of each process).

What is timed, each a new process started as a user starts it:

- `fieldkit --help`: `python -c "from fieldkit.cli import main; main()" --help`, which is what
  the installed console script runs, but started in the checkout this script belongs to (its
  working directory is the checkout's root, which `python -c` puts first on the path), so it
  measures this checkout's `fieldkit` whatever the `fieldkit` on PATH was installed from;
- `python -m fieldkit.cli --help`, the same from the same checkout;
- for the record: `fieldkit GROUP --help` for every group, `fieldkit routes` (which builds the
  app: the cost of every command that runs), `python -c pass`, and the console script on PATH
  (`fieldkit --help`), labelled with the checkout it imports `fieldkit` from.

The processes run without `FIELDKIT_*` and `FLASK_*` variables, on a scratch instance folder,
with Python's byte code cached as an installed package has it: in a scratch folder
(`PYTHONPYCACHEPREFIX`, filled by an untimed warm-up run of each command), so nothing is written
into the checkout. The development machine sets `PYTHONDONTWRITEBYTECODE=1`, which makes every
process compile every fieldkit module it imports; `fieldkit --help` and `fieldkit routes` are
also timed that way, for the record.

    python bench/cli_startup.py [--runs 11]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 0.5
ROOT = Path(__file__).resolve().parents[1]
FIELDKIT = "from fieldkit.cli import main; main()"


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one run of ``command`` in the checkout's root."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{process.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def installed_script(env: dict[str, str]) -> tuple[list[str], str] | None:
    """The console script ``fieldkit`` on PATH, and where the ``fieldkit`` it runs lives."""
    script = shutil.which("fieldkit")
    if script is None:
        return None
    first = Path(script).read_text(errors="replace").splitlines()[0]
    python = first[2:].strip() if first.startswith("#!") else sys.executable
    where = subprocess.run(
        [python, "-c", "import fieldkit; print(fieldkit.__file__)"],
        cwd="/",
        env=env,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return [script, "--help"], str(Path(where).parent.parent) if where else "?"


def groups() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from fieldkit.cli import COMMANDS, LIBRARY_GROUPS

    return sorted(
        [n for n, listed in COMMANDS.items() if isinstance(listed, tuple)] + [*LIBRARY_GROUPS]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="runs of each; medians count")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="cli-startup-"))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FIELDKIT_", "FLASK_", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHE"))
    }
    env["FIELDKIT_INSTANCE_PATH"] = str(scratch / "instance")
    uncached = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
    env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    python = sys.executable
    commands: dict[str, tuple[list[str], dict[str, str]]] = {
        'floor: python -c "import flask"': ([python, "-c", "import flask"], env),
        "fieldkit --help": ([python, "-c", FIELDKIT, "--help"], env),
        "python -m fieldkit.cli --help": ([python, "-m", "fieldkit.cli", "--help"], env),
        "python -c pass": ([python, "-c", "pass"], env),
    }
    for group in groups():
        commands[f"fieldkit {group} --help"] = ([python, "-c", FIELDKIT, group, "--help"], env)
    commands["fieldkit routes"] = ([python, "-c", FIELDKIT, "routes"], env)
    commands["fieldkit --help, no byte-code cache"] = ([python, "-c", FIELDKIT, "--help"], uncached)
    commands["fieldkit routes, no byte-code cache"] = ([python, "-c", FIELDKIT, "routes"], uncached)
    installed = installed_script(env)
    if installed:
        command, checkout = installed
        commands[f"console script on PATH, --help (imports {checkout})"] = (command, env)

    print(f"checkout measured: {ROOT}")
    print(f"python: {python} ({sys.version.split()[0]})")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    try:
        for command, command_env in commands.values():  # warm-up: byte code, disk cache
            run_once(command, command_env)
        for _ in range(args.runs):
            for name, (command, command_env) in commands.items():
                times[name].append(run_once(command, command_env))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"load average after:  {os.getloadavg()[0]:.2f}")

    floor = statistics.median(wall for wall, _ in times['floor: python -c "import flask"'])
    width = max(len(name) for name in commands)
    print(f"\n{args.runs} runs each, interleaved; wall time median (min–max), CPU median")
    for name, samples in times.items():
        walls = [wall for wall, _ in samples]
        median = statistics.median(walls)
        cpu = statistics.median(c for _, c in samples)
        print(
            f"  {name:<{width}}  {median:6.3f} s ({min(walls):.3f}–{max(walls):.3f})"
            f"  CPU {cpu:.3f} s  {median / floor:5.2f} × floor"
        )
    helped = statistics.median(wall for wall, _ in times["fieldkit --help"])
    passed = helped < TARGET
    print(
        f"\nfieldkit --help: median {helped:.3f} s, {helped / floor:.2f} × the floor "
        f"({floor:.3f} s); target < {TARGET} s: {'pass' if passed else 'FAIL'}"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
