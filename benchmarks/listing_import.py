"""Batch import of listings: time and peak memory of a 10,000-row import next to a bare
openpyxl read of the same workbook.

    .venv/bin/python benchmarks/listing_import.py [--rows 10000]

Sets Django up on a throwaway SQLite database in a temporary directory (migrated here),
opens a university's shop, writes a patent workbook from the template's columns with valid,
distinct patent numbers (in openpyxl's write-only form: inline strings and no dimension,
which openpyxl reads more slowly, floor and check alike, than what Excel saves;
``--shared-strings`` writes it as Excel would), then measures, each step in a fresh Python
process so that one step's peak does not hide the next one's:

- bare read: ``load_workbook(read_only=True, data_only=True)`` and every row's values;
- upload: ``listing_import_upload`` (zip directory and macro checks, store, queue);
- check: ``listing_import_process`` (parse, validate, duplicates, result workbook, rows
  saved in batches, progress published);
- commit: ``listing_import_commit`` (re-check, listings, review records, rows updated).

Wall time and the process's peak RSS (``VmHWM`` before and after the step, its mark
reset first through ``/proc/self/clear_refs`` so the peak is the step's own) come from one
run; the tracemalloc peak (Python allocations only; tracing slows the step down several
times) from a second run of the same step.

    .venv/bin/python benchmarks/listing_import.py --json [--rounds 3]

(``floors.py``'s import row): the bare read and the check only, untraced, alternating for
``--rounds`` rounds (each check a queued import of its own), the best of each kept, and
each round's ratio of wall and of CPU time (the step's process) beside them.
"""

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(workdir: Path, database_url: str | None = None) -> None:
    """SQLite in ``workdir``, or the PostgreSQL database at ``database_url``."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["SQLITE_PATH"] = str(workdir / "db.sqlite3")
    os.environ["PRIVATE_MEDIA_ROOT"] = str(workdir / "private")
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DEBUG"] = "0"  # as in production: no SQL query log growing in memory
    import django

    django.setup()


def prepare(workdir: Path, rows: int, imports: int = 2, *, shared_strings: bool = False) -> dict:
    """Migrate, open a shop, write ``imports`` workbooks and queue their imports (one per
    run)."""
    from django.core.files import File
    from django.core.management import call_command

    from accounts.models import Identity, User, Verification
    from agreements.models import AgreementKind
    from agreements.selectors import agreement_current
    from kernel.clock import now
    from listings.imports.services import listing_import_upload
    from shops.models import Shop

    call_command("migrate", verbosity=0)
    user = User.objects.create(phone="13800000001")
    Verification.objects.create(
        user=user,
        kind="INSTITUTION",
        name="南京示范大学",
        credit_code="12320000466001234X",
        certificate_type="PUBLIC_INSTITUTION",
        status="APPROVED",
        submitted_at=now(),
    )
    identity = Identity.objects.create(
        user=user, kind="UNIVERSITY", status="APPROVED", submitted_at=now()
    )
    shop = Shop.objects.create(
        identity=identity,
        name="南京示范大学",
        contact_name="王老师",
        contact_phone="025-83591234",
        notice_accepted=agreement_current(AgreementKind.SHOP_NOTICE),
        notice_accepted_at=now(),
        status="APPROVED",
        submitted_at=now(),
    )

    queued, paths = [], []
    for index in range(imports):  # one import per run (timed, traced), distinct patents
        path = workdir / f"patents-{index}.xlsx"
        write_workbook(path, rows, offset=index * rows, shared_strings=shared_strings)
        with open(path, "rb") as handle:
            upload = File(handle, name="专利批量导入.xlsx")
            queued.append(
                listing_import_upload(user=user, shop_id=shop.pk, type="PATENT", upload=upload).pk
            )
        paths.append(path)
    return {"workbook": str(paths[0]), "imports": queued, "size": paths[0].stat().st_size}


def write_workbook(path: Path, rows: int, *, offset: int, shared_strings: bool = False) -> None:
    """A filled-in patent template, written row by row (openpyxl's write-only mode: inline
    strings, no ``<dimension>``); ``shared_strings``: as Excel saves a workbook, its text in
    the shared-strings table and the sheet's dimension given (openpyxl's normal mode)."""
    from openpyxl import Workbook

    from listings.imports.columns import columns_for
    from listings.imports.template import DATA_SHEET
    from listings.patent_numbers import check_character

    columns = columns_for("PATENT")
    if shared_strings:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = DATA_SHEET
    else:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(DATA_SHEET)
    sheet.append([column.heading for column in columns])
    for n in range(offset, offset + rows):
        digits = f"2021{n % 2 + 1}{n:07d}"  # inventions and utility models, all distinct
        values = {
            "专利名称": f"一种高效储能材料的制备方法及其应用（第{n}号）",
            "专利号": f"ZL{digits}.{check_character(digits)}",
            "专利类型": "发明专利" if n % 2 == 0 else "实用新型",
            "申请日": "2021-06-01",
            "授权日": "2023-08-15",
            "法律状态": "有效（已授权）",
            "专利权人": "南京示范大学；江苏某某新材料有限公司",
            "发明人": "张三；李四；王五",
            "IPC分类号": "H01M 4/36；H01M 10/05",
            "技术领域": "新能源与节能",
            "摘要": "本发明公开了一种高效储能材料的制备方法，能量密度高，循环寿命长。" * 3,
            "交易方式": "转让",
            "付款方式": "在线竞价",
            "起拍价（元）": 100000 + n,
        }
        sheet.append([values[column.header] for column in columns])
    workbook.save(path)


def step_bare(args) -> None:
    from openpyxl import load_workbook

    workbook = load_workbook(args.workbook, read_only=True, data_only=True)
    count = sum(1 for _ in workbook.worksheets[0].iter_rows(min_row=2, values_only=True))
    workbook.close()
    assert count == args.rows, count


def step_upload(args) -> None:
    from django.core.files import File

    from accounts.models import User
    from listings.imports.services import listing_import_upload
    from shops.models import Shop

    user = User.objects.get(phone="13800000001")
    with open(args.workbook, "rb") as handle:
        listing_import = listing_import_upload(
            user=user,
            shop_id=Shop.objects.get().pk,
            type="PATENT",
            upload=File(handle, name="专利批量导入.xlsx"),
        )
    # only stored and queued: the rows are counted by the check (the worker's)
    assert listing_import.status == "QUEUED", listing_import.status


def step_check(args) -> None:
    from listings.imports.services import listing_import_process

    listing_import = listing_import_process(import_id=args.import_id)
    assert listing_import.status == "DONE", (listing_import.error_code, listing_import.status)
    assert listing_import.valid_rows == args.rows, listing_import.valid_rows


def step_commit(args) -> None:
    from accounts.models import User
    from agreements.models import AgreementKind
    from agreements.selectors import agreement_current
    from listings.imports.services import listing_import_commit

    listing_import = listing_import_commit(
        user=User.objects.get(phone="13800000001"),
        import_id=args.import_id,
        season_opt_in=True,
        agreement_version=agreement_current(AgreementKind.LISTING_AGREEMENT).version,
    )
    assert listing_import.committed_rows == args.rows, listing_import.committed_rows


STEPS = {"bare": step_bare, "upload": step_upload, "check": step_check, "commit": step_commit}


def max_rss_mib() -> float:
    """The process's peak RSS: ``VmHWM`` of /proc/self/status, which /proc/self/clear_refs
    resets (``ru_maxrss`` never comes down: after a reset it still showed the start-up's
    peak, so the step's peak read as +0.0); ``ru_maxrss`` where there is no /proc."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def reset_peak_rss() -> bool:
    """Bring the peak-RSS mark (VmHWM) down to the current RSS (Linux 4.0+), so that the
    peak after the step minus before it is the step's own, not Django's start-up."""
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def run_step(args) -> None:
    """In a child process: one step, measured; prints JSON."""
    setup_django(Path(args.workdir))
    import openpyxl  # noqa: F401  (imported before "before", like Django)

    step = STEPS[args.step]
    if args.trace:
        tracemalloc.start()
        start = time.perf_counter()
        step(args)
        wall = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(json.dumps({"traced_wall": wall, "traced_peak_mib": peak / 2**20}))
        return
    reset = reset_peak_rss()
    before = max_rss_mib()
    start, cpu = time.perf_counter(), time.process_time()
    step(args)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = max_rss_mib()
    print(
        json.dumps(
            {"wall": wall, "cpu": cpu, "rss_start": before, "rss_peak": peak, "reset": reset}
        )
    )


def child(workdir: Path, step: str, rows: int, *, trace: bool, **extra) -> dict:
    command = [
        sys.executable,
        __file__,
        "--step",
        step,
        "--workdir",
        str(workdir),
        "--rows",
        str(rows),
    ]
    for name, value in extra.items():
        command += [f"--{name.replace('_', '-')}", str(value)]
    if trace:
        command.append("--trace")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"step {step} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--step", choices=sorted(STEPS))
    parser.add_argument("--workdir")
    parser.add_argument("--workbook")
    parser.add_argument("--import-id", type=int)
    parser.add_argument("--trace", action="store_true")
    parser.add_argument(
        "--json",
        action="store_true",
        help="bare read and check in alternate rounds, untraced, the best of each; JSON",
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds of --json")
    parser.add_argument(
        "--shared-strings",
        action="store_true",
        help="the workbook as Excel saves one (shared strings, dimension), not write-only",
    )
    args = parser.parse_args()
    if args.step:
        run_step(args)
        return

    with tempfile.TemporaryDirectory(prefix="bench-listing-import-") as directory:
        workdir = Path(directory)
        started = time.perf_counter()
        setup_django(workdir)
        from django.conf import settings

        settings.LISTING_IMPORT_MAX_ROWS = max(settings.LISTING_IMPORT_MAX_ROWS, args.rows)
        os.environ["LISTING_IMPORT_MAX_ROWS"] = str(settings.LISTING_IMPORT_MAX_ROWS)
        prepared = prepare(
            workdir,
            args.rows,
            max(2, args.rounds) if args.json else 2,
            shared_strings=args.shared_strings,
        )
        print(
            f"{args.rows} patent rows, workbook {prepared['size'] / 2**20:.1f} MiB; "
            f"set up in {time.perf_counter() - started:.1f} s (SQLite in {workdir})"
        )
        workbook = prepared["workbook"]
        if args.json:
            # The box is shared: bare read and check alternate, round after round, so a
            # busy spell hits both; the best round of each is kept (each check its own
            # queued import of the same rows).
            runs = {"bare": [], "check": []}
            for import_id in prepared["imports"][: args.rounds]:
                runs["bare"].append(
                    child(workdir, "bare", args.rows, trace=False, workbook=workbook)
                )
                runs["check"].append(
                    child(workdir, "check", args.rows, trace=False, import_id=import_id)
                )
            best = {name: min(done, key=lambda r: r["wall"]) for name, done in runs.items()}
            # Per round, wall and CPU (the step's process: less moved by the other
            # processes on the box than the wall time, which is the figure).
            best["rounds"] = [
                {
                    "wall": round(check["wall"] / bare["wall"], 2),
                    "cpu": round(check["cpu"] / bare["cpu"], 2),
                }
                for bare, check in zip(runs["bare"], runs["check"], strict=True)
            ]
            print(json.dumps(best))
            return
        first, second = prepared["imports"]
        results = {}
        for name, step, extra in (
            ("bare openpyxl read_only iteration", "bare", ({}, {})),
            ("listing_import_upload (checks, count)", "upload", ({}, {})),
            (
                "listing_import_process (full check)",
                "check",
                ({"import_id": first}, {"import_id": second}),
            ),
            (
                "listing_import_commit (listing all)",
                "commit",
                ({"import_id": first}, {"import_id": second}),
            ),
        ):
            timed = child(workdir, step, args.rows, trace=False, workbook=workbook, **extra[0])
            traced = child(workdir, step, args.rows, trace=True, workbook=workbook, **extra[1])
            results[name] = timed | traced

        print()
        header = ("step", "wall s", "RSS start", "RSS peak", "+MiB", "tracemalloc MiB")
        print(
            f"{header[0]:<40} {header[1]:>7} {header[2]:>10} {header[3]:>9} {header[4]:>6} "
            f"{header[5]:>16}"
        )
        for name, r in results.items():
            print(
                f"{name:<40} {r['wall']:>7.2f} {r['rss_start']:>10.1f} {r['rss_peak']:>9.1f} "
                f"{r['rss_peak'] - r['rss_start']:>6.1f} {r['traced_peak_mib']:>16.1f}"
            )
        print(
            "(RSS in MiB: VmHWM at the step's start, its peak mark reset, and after it; "
            "tracemalloc: Python allocations' peak during the step, in a second run)"
        )
        if not all(r["reset"] for r in results.values()):
            print("(peak RSS could not be reset: the +MiB column undercounts)")
        bare = results["bare openpyxl read_only iteration"]
        check = results["listing_import_process (full check)"]
        print()
        print(
            f"check / bare read: {check['wall'] / bare['wall']:.1f}x the time, "
            f"{check['traced_peak_mib'] / max(bare['traced_peak_mib'], 0.01):.1f}x the "
            f"tracemalloc peak; {args.rows / check['wall']:.0f} rows/s"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
