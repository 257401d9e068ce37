"""Peak memory of reading the worst uploads fieldkit accepts and refuses, against a floor.

Each case runs in a fresh Python process (``--case NAME FILE``) that imports what it needs and
reads the file's bytes first, then resets the kernel's high-water mark of its resident memory
(``/proc/self/clear_refs``), and reads that mark (``VmHWM``) after handling the upload: its
rise over the resident memory before (``VmRSS``) is what the upload cost a worker. With
``--traced`` the child runs under tracemalloc and prints its peak too (Python objects only:
Pillow's pixel buffers are outside it); tracemalloc's own bookkeeping then inflates the
resident peak, so the two are separate runs. The floor is
the same measurement for a small normal file of each kind, in the same run.

The target (exit 1 when missed): every worst case, accepted or refused, costs at most
``BUDGET_MB[kind]`` more than that kind's floor. The files are written by
``tests/hostile_files.py`` into a temporary folder; nothing large is kept.

    python -m bench.upload_memory            # all kinds (the XLSX cases take a minute)
    python -m bench.upload_memory photo yaml # some kinds
    python -m bench.upload_memory --traced   # tracemalloc peaks instead
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

#: What the worst case of a kind may cost above the kind's floor, in MB.
BUDGET_MB = {"photo": 300, "csv": 400, "xlsx": 400, "xlsform": 300, "yaml": 200}


def _png(size: tuple[int, int], mode: str = "RGBA") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, size, (200, 30, 30, 255) if mode == "RGBA" else 0).save(buffer, "PNG")
    return buffer.getvalue()


def _jpeg(size: tuple[int, int]) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _form(rows: int, label_chars: int) -> bytes:
    from tests.hostile_files import xlsx

    survey = [["type", "name", "label"]] + [
        ["text", f"q{n}", f"Spørsmål {n} " + "x" * label_chars] for n in range(rows)
    ]
    return xlsx({"survey": survey, "settings": [["form_title"], ["Skjema"]]})


def _yaml(questions: int) -> bytes:
    lines = ["title: Skjema", "questions:"]
    for n in range(questions):
        lines += [
            f"  - name: q{n}",
            "    type: single",
            f"    text: Hvor godt fungerer samarbeidet med kontor nummer {n} i fylket?",
            "    options: [Svært godt, Godt, Verken eller, Dårlig, Svært dårlig]",
        ]
    return ("\n".join(lines) + "\n").encode()


def cases() -> list[tuple[str, str, str, object]]:
    """(kind, name, role, how to make the file): role is floor, accepted or refused."""
    from tests.hostile_files import frame_csv, frame_rows, xlsx

    def frame_xlsx(count: int) -> bytes:
        return xlsx({"Ark1": frame_rows(count, 4)})

    def ids_only() -> bytes:  # the 440 KB workbook: small enough unpacked to be read
        return xlsx({"Ark1": [["id"], *([n] for n in range(1, 1_000_001))]})

    def bomb() -> bytes:
        return xlsx({"Ark1": [["id"], ["x" * (200 * 1024 * 1024)]]})

    def deep() -> bytes:
        return b"title: T\nquestions: " + b"[" * 100_000

    return [
        ("photo", "JPEG 1000×750", "floor", lambda: _jpeg((1000, 750))),
        ("photo", "JPEG 7300×5475 (40 MP)", "accepted", lambda: _jpeg((7300, 5475))),
        ("photo", "PNG RGBA 7300×5475 (40 MP)", "accepted", lambda: _png((7300, 5475))),
        ("photo", "PNG 7745×7745 (60 MP, 233 KB)", "refused", lambda: _png((7745, 7745), "1")),
        ("csv", "frame 160 rows", "floor", lambda: frame_csv(160)),
        ("csv", "frame 100 000 rows × 20", "accepted", lambda: frame_csv(100_000, 20)),
        ("csv", "frame 1 000 000 rows", "refused", lambda: frame_csv(1_000_000, 4)),
        ("csv", "one 30 MB row", "refused", lambda: b"id;navn\n" + b"ab;" * 10_000_000),
        ("xlsx", "frame 160 rows", "floor", lambda: xlsx({"Ark1": frame_rows(160)})),
        ("xlsx", "frame 100 000 rows × 4", "accepted", lambda: frame_xlsx(100_000)),
        ("xlsx", "frame 1 000 000 rows × 4", "refused", lambda: frame_xlsx(1_000_000)),
        ("xlsx", "1 000 000 rows of one number", "refused", ids_only),
        ("xlsx", "200 MB cell (zip bomb)", "refused", bomb),
        ("xlsform", "10 questions", "floor", lambda: _form(10, 20)),
        ("xlsform", "2 000 questions, 18 MB", "accepted", lambda: _form(2_000, 9_000)),
        ("xlsform", "200 MB cell", "refused", lambda: _form(1, 200 * 1024 * 1024)),
        ("yaml", "10 questions", "floor", lambda: _yaml(10)),
        ("yaml", "1 400 questions, 250 KB", "accepted", lambda: _yaml(1_400)),
        ("yaml", "1 500 questions, 270 KB", "refused", lambda: _yaml(1_500)),
        ("yaml", "nested 100 000 deep", "refused", deep),
    ]  # fmt: skip


def _handle(kind: str, content: bytes) -> str:
    """Handle one upload as fieldkit does; the outcome in a few words."""
    from fieldkit.core.operations import OperationError

    try:
        if kind == "photo":
            from fieldkit.conferences.referent import photos

            _format, printed, _thumb = photos.renditions(content)
            return f"accepted {printed.width}×{printed.height}"
        if kind in ("csv", "xlsx"):
            from fieldkit.core import uploads

            table = uploads.read_table(f"frame.{kind}", content)
            return f"accepted {len(table.rows)} rows"
        from fieldkit.surveys.questionnaires import operations

        questionnaire = operations.parse_upload(
            "skjema.xlsx" if kind == "xlsform" else "skjema.yaml", content
        )
        return f"accepted {len(questionnaire.variables())} variables"
    except (OperationError, ValueError) as exc:
        return f"refused: {str(exc)[:90]}"


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def run_case(kind: str, path: str, traced: bool) -> None:
    """In the child: read the file, measure the handling, print one JSON line."""
    import openpyxl  # noqa: F401 - everything imported before the baseline
    import pyxform.xls2json  # noqa: F401
    from PIL import Image, JpegImagePlugin, PngImagePlugin  # noqa: F401

    import fieldkit.conferences.referent.photos  # noqa: F401
    import fieldkit.core.uploads  # noqa: F401
    import fieldkit.surveys.questionnaires.operations  # noqa: F401

    content = Path(path).read_bytes()
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    before = _status_kb("VmRSS")
    if traced:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    outcome = _handle(kind, content)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    peak_traced = tracemalloc.get_traced_memory()[1] if traced else 0
    tracemalloc.stop()
    after = _status_kb("VmHWM")
    print(
        json.dumps(
            {
                "rss_mb": (after - before) / 1024,
                "traced_mb": peak_traced / 1024 / 1024,
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "outcome": outcome,
            }
        )
    )


def main(kinds: list[str], traced: bool = False) -> int:
    root = Path(__file__).resolve().parent.parent
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for kind, name, role, make in cases():
            if kinds and kind not in kinds:
                continue
            path = Path(folder) / "upload.bin"
            content = make()
            path.write_bytes(content)
            size = len(content)
            del content
            child = subprocess.run(
                [sys.executable, "-m", "bench.upload_memory", "--case", kind, str(path)]
                + (["--traced"] if traced else []),
                cwd=root,
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(child.stdout.strip().splitlines()[-1])
            rows.append((kind, name, role, size, result))
            print(
                f"{kind:8} {role:8} {name:34} {size / 1024:9.0f} KB"
                f"  peak +{result['rss_mb']:7.1f} MB  traced {result['traced_mb']:7.1f} MB"
                f"  {result['seconds']:6.2f} s  {result['outcome']}",
                flush=True,
            )
    failed = False
    floors = {kind: result["rss_mb"] for kind, _n, role, _s, result in rows if role == "floor"}
    for kind, name, role, _size, result in rows:
        if role == "floor":
            continue
        over = result["rss_mb"] - floors[kind]
        if over > BUDGET_MB[kind]:
            failed = True
            print(f"MISSED: {kind} {name}: {over:.0f} MB over the floor (budget {BUDGET_MB[kind]})")
    print("target met" if not failed else "target missed")
    return 1 if failed else 0


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--traced"]
    with_traces = "--traced" in sys.argv
    if len(arguments) == 3 and arguments[0] == "--case":
        run_case(arguments[1], arguments[2], with_traces)
    else:
        sys.exit(main(arguments, with_traces))
