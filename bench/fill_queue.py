#!/usr/bin/env python3
"""Fills a stopped Kabinet's SQLite database with many submitted applications of one agency
(spread over the statuses, services and due dates as a busy office has them), each by its own
citizen, so that the officer's queue can be measured over a large table.

    bench/fill_queue.py data/kabinet.db --applications 100000 --agency mvd
"""
import argparse
import datetime
import json
import sqlite3

# (status, share of the applications)
# The check digit of application numbers (Damm's quasigroup, as domain::applications::number).
DAMM = ["0317598642", "7092154863", "4206871359", "1750983426", "6123045978",
        "3674209581", "5869720134", "8945362017", "9438617205", "2581436790"]


def with_check_digit(digits):
    interim = 0
    for d in digits:
        interim = int(DAMM[interim][int(d)])
    return digits + str(interim)


STATUSES = [("accepted", 40), ("in_review", 30), ("awaiting_citizen", 10), ("done", 15), ("rejected", 5)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("--applications", type=int, default=100_000)
    ap.add_argument("--agency", default="mvd")
    args = ap.parse_args()
    db = sqlite3.connect(args.db)
    db.execute("PRAGMA foreign_keys = OFF")
    services = [
        (code, version)
        for code, version in db.execute(
            "SELECT code, form_version FROM services WHERE agency_code = ?", (args.agency,)
        )
    ]
    if not services:
        raise SystemExit(f"no services of agency {args.agency}")
    shares = [s for s, n in STATUSES for _ in range(n)]
    people = max(1, args.applications // 10)
    db.executemany(
        "INSERT OR IGNORE INTO users (id, role, surname, given_name, password_hash, identity_level, "
        "locale, time_zone, created_at, updated_at) VALUES (?, 'citizen', 'Иванова', 'Мария', 'x', "
        "'standard', 'ru', 'Europe/Moscow', 0, 0)",
        ((f"benchq-{u:06d}",) for u in range(people)),
    )
    start = datetime.date(2026, 1, 12)
    answers = json.dumps({"surname": "Иванова", "given_name": "Мария"}, ensure_ascii=False)
    rows = []
    for i in range(args.applications):
        code, version = services[i % len(services)]
        status = shares[(i * 37) % len(shares)]
        due = start + datetime.timedelta(days=(i * 7919) % 400)
        at = 1_760_000_000_000_000 + i * 1_000_000
        rows.append((
            f"benchapp-{i:08d}", with_check_digit(f"9{i:08d}"), f"benchq-{i % people:06d}", code, args.agency, version,
            status, answers, at, due.isoformat(), at, at,
        ))
    db.executemany(
        "INSERT INTO applications (id, number, owner_id, service_code, agency_code, form_version, "
        "status, answers, prefilled, submitted_at, due_on, version, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, '[]', ?, ?, 1, ?, ?)",
        rows,
    )
    db.commit()
    db.execute("ANALYZE")
    db.close()
    print(f"{args.applications} applications of {args.agency}, {len(services)} services")


if __name__ == "__main__":
    main()
