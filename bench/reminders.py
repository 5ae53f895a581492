#!/usr/bin/env python3
"""The reminder sweep at scale, on SQLite with Kabinet's own schema.

Fills a database made by `kabinet migrate` with N documents (spread over N/10 users), each with
its five planned reminders, 1% of the documents having one reminder due now. Then claims the due
reminders batch by batch with the sweep's own statement (the same SQL as
`store::notifications::claim_due`: one UPDATE … RETURNING per batch of 200 on the due-reminder queue,
which is clustered by due time), and prints the time per sweep and per due reminder. The cost should follow the due
rows, not N: compare the lines for 1M and 10M.

All the due reminders are due at the same instant, as a time zone's 09:00 reminders are: the
claim must find each row by its whole key, not scan those sharing its due time.

It measures the database side of the sweep (finding and claiming due reminders). Composing the
notification, queueing its e-mail/SMS and marking the reminder sent happen per reminder in its own
transaction and do not depend on N.

    bench/reminders.py --kabinet target/release/kabinet --documents 1000000 10000000
"""
import argparse
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time

DUE_SQL = (
    "SELECT due_at, reminder_id FROM reminder_queue WHERE due_at <= ? ORDER BY due_at LIMIT ?"
)
CLAIM_SQL = (
    f"WITH k (d, r) AS MATERIALIZED ({DUE_SQL}) "
    "UPDATE reminder_queue SET due_at = ?, claim = ?, attempts = attempts + 1 FROM k "
    "WHERE due_at = k.d AND reminder_id = k.r "
    "RETURNING reminder_id, user_id, document_id, offset_days, deadline, attempts"
)
DAY_US = 86_400 * 1_000_000
OFFSETS = (90, 30, 7, 1, 0)


def fill(db, n, now_us):
    """N documents, their reminders (and, through Kabinet's triggers, the queue), in SQL."""
    users = max(1, n // 10)
    cur = db.cursor()
    cur.execute("PRAGMA foreign_keys = OFF")
    cur.execute("PRAGMA synchronous = OFF")
    cur.execute("PRAGMA journal_mode = MEMORY")  # no WAL during the fill; the sweep runs in WAL
    cur.execute("PRAGMA cache_size = -4000000")
    seq = "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ?) "
    cur.execute(
        "INSERT OR IGNORE INTO document_kinds (code, schema, name_ru, name_en, rule, lead_days, "
        "max_file_bytes, renewal_ru, renewal_en, position, active, updated_at) "
        "VALUES ('other', 'other', 'Другой', 'Other', '{\"type\":\"typed\"}', 90, 20971520, '', '', 0, 1, 0)"
    )
    cur.execute(
        seq + "INSERT INTO users (id, role, surname, given_name, password_hash, identity_level, "
        "locale, time_zone, created_at, updated_at) SELECT printf('u%08d', i), 'citizen', "
        "'Иванов', 'Иван', 'x', 'simplified', 'ru', 'Europe/Moscow', 0, 0 FROM s",
        (users - 1,),
    )
    cur.execute(
        seq + "INSERT INTO documents (id, owner_id, kind_code, title, fields, tags, state, "
        "search_text, created_at, updated_at) SELECT printf('d%09d', i), printf('u%08d', i % ?), "
        "'other', 'Договор', '{}', '[]', 'active', '', 0, 0 FROM s",
        (n - 1, users),
    )
    for k, offset in enumerate(OFFSETS):
        # 1% of the documents have their first reminder due a minute ago; the rest are spread
        # over the coming 300 days.
        cur.execute(
            seq + "INSERT INTO reminders (id, user_id, document_id, offset_days, deadline, due_at, "
            "state) SELECT printf('r%09d%d', i, ?), printf('u%08d', i % ?), printf('d%09d', i), ?, "
            "'2027-01-01', CASE WHEN i % 100 = 0 AND ? = 0 THEN ? - 60000000 "
            "ELSE ? + (1 + i % 300) * ? + ? END, 'pending' FROM s",
            (n - 1, k, users, offset, k, now_us, now_us, DAY_US, k),
        )
    db.commit()


def sweep(db, now_us, batch=200):
    """Claims due reminders batch by batch, as `store::notifications::claim_due` does."""
    taken = 0
    started = time.perf_counter()
    lease = now_us + 300 * 1_000_000
    while True:
        rows = db.execute(CLAIM_SQL, (now_us, batch, lease, "bench")).fetchall()
        db.commit()
        if not rows:
            break
        taken += len(rows)
    return taken, time.perf_counter() - started


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kabinet", required=True, help="the kabinet binary (runs the migrations)")
    ap.add_argument("--documents", type=int, nargs="+", default=[1_000_000, 10_000_000])
    args = ap.parse_args()
    print(f"{'documents':>12} {'reminders':>12} {'due':>9} {'fill s':>8} {'sweep ms':>10} "
          f"{'µs/due':>8} {'empty sweep ms':>15}")
    for n in args.documents:
        folder = tempfile.mkdtemp(prefix="kabinet-reminders-")
        try:
            subprocess.run(
                [args.kabinet, "migrate", "--data-dir", folder],
                check=True, capture_output=True,
                env={**os.environ, "KABINET_LOG_LEVEL": "warn"},
            )
            db = sqlite3.connect(os.path.join(folder, "kabinet.db"))
            now_us = int(time.time() * 1_000_000)
            t0 = time.perf_counter()
            fill(db, n, now_us)
            filled = time.perf_counter() - t0
            db.execute("ANALYZE")
            db.close()
            # The sweep runs as the service's connections do: WAL, synchronous=NORMAL.
            db = sqlite3.connect(os.path.join(folder, "kabinet.db"))
            db.execute("PRAGMA synchronous = NORMAL")
            assert db.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
            plan = " ".join(r[-1] for r in db.execute("EXPLAIN QUERY PLAN " + DUE_SQL, (now_us, 500)))
            assert "USING PRIMARY KEY (due_at<?)" in plan, plan
            claim_plan = " ".join(
                r[-1] for r in db.execute("EXPLAIN QUERY PLAN " + CLAIM_SQL, (now_us, 500, 0, ""))
            )
            assert "PRIMARY KEY (due_at=? AND reminder_id=?)" in claim_plan, claim_plan
            taken, seconds = sweep(db, now_us)
            _, empty = sweep(db, now_us)  # nothing due: the cost of a sweep that finds nothing
            print(f"{n:>12} {n * 5:>12} {taken:>9} {filled:>8.1f} {seconds * 1000:>10.1f} "
                  f"{seconds * 1e6 / max(taken, 1):>8.1f} {empty * 1000:>15.3f}")
            db.close()
        finally:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
