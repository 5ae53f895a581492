#!/usr/bin/env python3
"""Fills a stopped Kabinet's SQLite database with many documents of many other users, with their
search index rows as the application writes them (each word joined to the owner's token), so that the search API of
one user can be measured against a large index.

    bench/fill_search.py data/kabinet.db --documents 100000 --users 10000
"""
import argparse
import sqlite3

WORDS = ["договор", "аренды", "квартиры", "страхования", "жизни", "обучение", "подряда",
         "справка", "доходах", "полис", "свидетельство", "кредит", "ипотека", "работа"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("--documents", type=int, default=100_000)
    ap.add_argument("--users", type=int, default=10_000)
    args = ap.parse_args()
    db = sqlite3.connect(args.db)
    db.execute("PRAGMA foreign_keys = OFF")
    db.executemany(
        "INSERT INTO users (id, role, surname, given_name, password_hash, identity_level, locale, "
        "time_zone, created_at, updated_at) VALUES (?, 'citizen', 'Петров', 'Пётр', 'x', "
        "'simplified', 'ru', 'Europe/Moscow', 0, 0)",
        ((f"bench-{u:06d}",) for u in range(args.users)),
    )
    docs, fts = [], []
    for i in range(args.documents):
        owner = f"bench-{i % args.users:06d}"
        doc = f"benchdoc-{i:08d}"
        title = f"{WORDS[i % 14].capitalize()} {WORDS[(i * 7) % 14]} №{i}"
        body = f"{title.lower()} {WORDS[(i * 3) % 14]} {WORDS[(i * 5) % 14]}"
        docs.append((doc, owner, title, title))
        owner_token = "o" + owner.replace("-", "")
        fts.append((doc, doc.replace("-", ""), " ".join(f"{owner_token}_{w}" for w in body.split())))
    db.executemany(
        "INSERT INTO documents (id, owner_id, kind_code, title, fields, tags, state, search_text, "
        "created_at, updated_at) VALUES (?, ?, 'other', ?, '{}', '[]', 'active', ?, 0, 0)",
        docs,
    )
    db.executemany("INSERT INTO documents_search (document_id, doc, body) VALUES (?, ?, ?)", fts)
    db.commit()
    db.close()


if __name__ == "__main__":
    main()
