#!/usr/bin/env python3
"""Independent reading of the 督办 register for the Rust tests (tests/orders_docs.rs): what the
催办单 and the archive's 件 must say, recomputed from the item files with PyYAML and the holiday
calendar file (src/workdays/cn.txt plus office.yaml orders.holidays / orders.workdays), without
ducha's code.

Usage: orders_oracle.py DATA_DIR  → JSON on stdout:
  {"chases": [{"number", "year", "unit", "co_units", "order", "task", "deadline", "date",
               "overdue_days", "round", "file"}],
   "items": [{"number", "file", "period", "unit", "closed", "end", "replies": [texts]}]}
Chase numbers follow docs/rules.md §19: per year of the 催办 date, in the order of date, time of
day (a date without a time first), item (督办 before 协调, then year and number), place in file.
"""
import datetime as dt
import json
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def day(s):
    return dt.date.fromisoformat(str(s)[:10])


def calendar(data):
    off, on = set(), set()
    with open(os.path.join(ROOT, "src", "workdays", "cn.txt"), encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2 or parts[0] not in ("off", "on"):
                continue
            a, _, b = parts[1].partition("..")
            d, end = day(a), day(b or a)
            while d <= end:
                (off if parts[0] == "off" else on).add(d)
                d += dt.timedelta(days=1)
    with open(os.path.join(data, "office.yaml"), encoding="utf-8") as f:
        orders = (yaml.safe_load(f) or {}).get("orders") or {}
    for d in orders.get("holidays") or []:
        off.add(day(d))
        on.discard(day(d))
    for d in orders.get("workdays") or []:
        on.add(day(d))
        off.discard(day(d))

    def workday(d):
        return d in on or (d not in off and d.weekday() < 5)

    return workday


def workdays_after(workday, start, end):
    """Working days d with start < d <= end."""
    n, d = 0, start + dt.timedelta(days=1)
    while d <= end:
        n += workday(d)
        d += dt.timedelta(days=1)
    return n


def parse_number(s):
    m = re.match(r"(督办|协调)〔(\d+)〕(\d+)号", s)
    return (0 if m.group(1) == "督办" else 1, int(m.group(2)), int(m.group(3)))


def cn(d):
    return f"{d.year}年{d.month}月{d.day}日"


def main(data):
    workday = calendar(data)
    items = []
    root = os.path.join(data, "orders")
    for year in sorted(os.listdir(root)):
        if not os.path.isdir(os.path.join(root, year)):
            continue
        for name in sorted(os.listdir(os.path.join(root, year))):
            if name.endswith(".yaml"):
                with open(os.path.join(root, year, name), encoding="utf-8") as f:
                    item = yaml.safe_load(f)
                item["_file"] = f"{year}/{name}"
                items.append(item)
    chases = []
    for item in items:
        deadline = day(item["deadline"])
        pending = None
        rounds = 0
        for i, e in enumerate(item["events"]):
            a = e["action"]
            if a == "request_extension":
                pending = day(e["new_deadline"])
            elif a == "grant_extension":
                deadline = max(deadline, day(e.get("new_deadline") or pending))
                pending = None
            elif a == "refuse_extension":
                pending = None
            elif a == "chase":
                rounds += 1
                at = str(e["at"])
                when = day(at)
                time = at[11:19] if len(at) > 10 else ""
                chases.append({
                    "key": (when, time, parse_number(item["number"]), i),
                    "year": when.year,
                    "unit": item["units"][0],
                    "co_units": item["units"][1:],
                    "order": item["number"],
                    "task": item.get("task"),
                    "deadline": cn(deadline),
                    "date": cn(when),
                    "overdue_days": workdays_after(workday, deadline, when),
                    "round": rounds,
                })
    chases.sort(key=lambda c: c["key"])
    seq = {}
    for c in chases:
        seq[c["year"]] = seq.get(c["year"], 0) + 1
        c["number"] = f"催办〔{c['year']}〕{seq[c['year']]}号"
        c["file"] = f"{c['year']}/催办单/{c['number']}-{c['unit']}.pdf"
        del c["key"]
    out_items = []
    for item in items:
        last = item["events"][-1]
        out_items.append({
            "number": item["number"],
            "file": item["_file"],
            "period": str(item["period"]),
            "unit": item["units"][0],
            "closed": last["action"] in ("close", "stop", "answer"),
            "end": str(last["at"])[:10],
            "replies": [e["text"] for e in item["events"] if e["action"] == "reply"],
        })
    json.dump({"chases": chases, "items": out_items}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
