#!/usr/bin/env python3
"""An independent reading of the 督办 register for tests/orders_documents.rs: what the documents
and the 工作台账 must say, recomputed from the data directory's files alone (the item files
data/orders/<year>/*.yaml, the reports, office.yaml and the working-day calendar
src/workdays/cn.txt), following docs/rules.md §18–§19 — not ducha's code.

Needs PyYAML.

  orders_oracle.py ROOT DATA items DATE
      Every item as it stood at the end of DATE (events up to that day): number, kind, task, title,
      units, period, issued, deadline (in force), extended, state, colour, overdue_workdays,
      closed, stopped, closed_late, chases, returns. JSON list, register order.

  orders_oracle.py ROOT DATA followup PERIOD
      What the notice of PERIOD says of the previous quarter's 督办事项 (as of PERIOD's issue
      date): {date, issued, closed, open, overdue, stopped, overdue_units, items: [...]}; null in a
      first quarter or when the previous quarter issued none.

  orders_oracle.py ROOT DATA reminders DATE
      The reminders due on DATE (docs/rules.md §19 “提醒”): none unless DATE is a working day; else
      every item open at the end of DATE that is 临期 or 逾期 that day, or has a 催办 dated after
      the previous working day up to DATE: [{number, reasons: [due_soon|overdue|chased]}],
      register order.

  orders_oracle.py ROOT DATA coordination PERIOD
      The open 需协调事项 of the 领导参阅 of PERIOD (as of its issue date), by level, highest first:
      [{level, items: [{number | unit+task (待受理), colour}]}], red first within a level.
"""

import datetime
import json
import os
import re
import sys

import yaml

LEVELS = ["牵头单位协调", "分管县领导", "县政府常务会议"]
PHASE_LABEL = {
    "issued": "待签收",
    "acknowledged": "办理中",
    "replied": "待审核",
    "returned": "已退回",
    "referred": "已呈报",
    "closed": "已办结",
    "stopped": "已中止",
}
COLOUR_RANK = {"red": 3, "yellow": 2, "blue": 1, "none": 0}


def d(s):
    return datetime.date.fromisoformat(str(s)[:10])


class Calendar:
    """Working days: the official days off and make-up days, then the office's overrides."""

    def __init__(self, root, office):
        self.off, self.on = set(), set()
        with open(os.path.join(root, "src/workdays/cn.txt"), encoding="utf-8") as f:
            for line in f:
                parts = line.split("#")[0].split()
                if len(parts) < 2:
                    continue
                if parts[0] == "off":
                    a, _, b = parts[1].partition("..")
                    day, last = d(a), d(b or a)
                    while day <= last:
                        self.off.add(day)
                        day += datetime.timedelta(days=1)
                elif parts[0] == "on":
                    self.on.add(d(parts[1]))
        cfg = (office.get("orders") or {})
        for h in cfg.get("holidays") or []:
            self.off.add(d(h))
            self.on.discard(d(h))
        for w in cfg.get("workdays") or []:
            self.on.add(d(w))
            self.off.discard(d(w))

    def working(self, day):
        if day in self.on:
            return True
        if day in self.off:
            return False
        return day.weekday() < 5

    def between(self, a, b):
        """Working days after a up to and including b."""
        n, day = 0, a
        while day < b:
            day += datetime.timedelta(days=1)
            n += self.working(day)
        return n


def event_date(at, tz_hours=8):
    s = str(at)
    m = re.match(r"(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{2}:\d{2})$", s)
    if not m:
        return d(s)
    t = datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return (t.astimezone(datetime.timezone(datetime.timedelta(hours=tz_hours)))).date()


def load(data):
    items = []
    root = os.path.join(data, "orders")
    for year in sorted(os.listdir(root)):
        folder = os.path.join(root, year)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if name.endswith(".yaml"):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    items.append(yaml.safe_load(f))
    return items


def replay(raw, day, cal, cfg):
    """The item as it stood at the end of `day`, or None when issued later."""
    if d(raw["issued"]) > day:
        return None
    events = [e for e in raw["events"] if event_date(e["at"]) <= day]
    phase, deadline, pending = None, d(raw["deadline"]), None
    chases = returns = extensions = 0
    ended, referred, last_reply = None, None, None
    for e in events:
        a = e["action"]
        when = event_date(e["at"])
        if a == "issue":
            phase = "issued"
        elif a == "acknowledge":
            phase = "acknowledged"
        elif a == "reply":
            phase = "replied"
            last_reply = when
        elif a == "return":
            phase = "returned"
            returns += 1
        elif a == "chase":
            chases += 1
        elif a == "request_extension":
            pending = d(e["new_deadline"])
        elif a == "grant_extension":
            granted = d(e["new_deadline"]) if e.get("new_deadline") else pending
            deadline = max(deadline, granted)
            pending = None
            extensions += 1
        elif a == "refuse_extension":
            pending = None
        elif a == "refer":
            phase = "referred"
            referred = e["level"]
        elif a in ("close", "answer"):
            phase = "closed"
            ended = when
        elif a == "stop":
            phase = "stopped"
            ended = when
    is_open = phase not in ("closed", "stopped")
    waiting = is_open and phase not in ("replied", "referred")
    overdue = waiting and day > deadline
    overdue_days = cal.between(deadline, day) if overdue else 0
    left = cal.between(day, deadline) if waiting and not overdue else None
    due_soon = left is not None and left <= cfg.get("due_soon_days", 3)
    red_chases = cfg.get("red_chases", 2)
    if not waiting:
        colour = "none"
    elif overdue_days > cfg.get("red_overdue_days", 5) or (red_chases > 0 and chases >= red_chases):
        colour = "red"
    elif day >= deadline or returns > 0:
        colour = "yellow"
    elif due_soon:
        colour = "blue"
    else:
        colour = "none"
    closed_late = phase == "closed" and ((last_reply or ended) > deadline)
    return {
        "number": raw["number"],
        "kind": raw["kind"],
        "task": raw.get("task"),
        "title": raw["title"],
        "units": raw["units"],
        "period": raw["period"],
        "issued": str(d(raw["issued"])),
        "deadline": str(deadline),
        "extended": extensions > 0,
        "state": phase,
        "state_label": PHASE_LABEL[phase],
        "open": is_open,
        "colour": colour,
        "overdue": overdue,
        "overdue_workdays": overdue_days,
        "closed": str(ended) if phase == "closed" else None,
        "stopped": str(ended) if phase == "stopped" else None,
        "closed_late": closed_late,
        "due_soon": due_soon,
        "chase_dates": [str(event_date(e["at"])) for e in events if e["action"] == "chase"],
        "chases": chases,
        "returns": returns,
        "level": referred or raw.get("level"),
        "revisit_of": raw.get("revisit_of"),
    }


def items_at(data, day, cal, cfg):
    out = []
    for raw in load(data):
        it = replay(raw, day, cal, cfg)
        if it is not None:
            out.append(it)
    return out


def period_parts(p):
    return int(p[:4]), int(p[5])


def main():
    root, data, what, arg = sys.argv[1:5]
    with open(os.path.join(data, "office.yaml"), encoding="utf-8") as f:
        office = yaml.safe_load(f)
    cfg = office.get("orders") or {}
    cal = Calendar(root, office)
    if what == "items":
        result = items_at(data, d(arg), cal, cfg)
    elif what == "followup":
        year, q = period_parts(arg)
        day = d(office["issue_dates"][arg])
        prev = f"{year}Q{q - 1}"
        items = [
            it
            for it in items_at(data, day, cal, cfg)
            if q > 1 and it["kind"] == "order" and it["period"] == prev and not it["revisit_of"]
        ]
        if not items:
            result = None
        else:
            units = []
            for it in items:
                if it["open"] and it["overdue"] and it["units"][0] not in units:
                    units.append(it["units"][0])
            result = {
                "date": str(day),
                "issued": len(items),
                "closed": sum(it["state"] == "closed" for it in items),
                "stopped": sum(it["state"] == "stopped" for it in items),
                "open": sum(it["open"] for it in items),
                "overdue": sum(it["open"] and it["overdue"] for it in items),
                "overdue_units": units,
                "items": items,
            }
    elif what == "reminders":
        day = d(arg)
        result = []
        if cal.working(day):
            prev = day - datetime.timedelta(days=1)
            while not cal.working(prev):
                prev -= datetime.timedelta(days=1)
            for it in items_at(data, day, cal, cfg):
                if not it["open"]:
                    continue
                reasons = [r for r, on in (("due_soon", it["due_soon"]), ("overdue", it["overdue"])) if on]
                if any(prev < d(c) <= day for c in it["chase_dates"]):
                    reasons.append("chased")
                if reasons:
                    result.append({"number": it["number"], "reasons": reasons})
    elif what == "coordination":
        year, q = period_parts(arg)
        day = d(office["issue_dates"][arg])
        registered = [it for it in items_at(data, day, cal, cfg) if it["kind"] == "coordination"]
        found = [
            {"number": it["number"], "level": it["level"], "colour": it["colour"]}
            for it in registered
            if it["open"]
        ]
        # raised in this year's reports up to PERIOD and not accepted by that day
        for qq in range(1, q + 1):
            p = f"{year}Q{qq}"
            folder = os.path.join(data, "reports", p)
            if not os.path.isdir(folder):
                continue
            for name in sorted(os.listdir(folder)):
                if not name.endswith(".yaml"):
                    continue
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    report = yaml.safe_load(f)
                for e in report.get("entries") or []:
                    for c in e.get("coordination") or []:
                        taken = any(
                            it["period"] == p and it["task"] == e["task"] and it["title"] == c["text"]
                            and not it["revisit_of"]
                            for it in registered
                        )
                        if not taken:
                            found.append({"unit": report["unit"], "period": p, "task": e["task"],
                                          "level": c["level"], "colour": "none"})
        found.sort(key=lambda x: -COLOUR_RANK[x["colour"]])
        result = [
            {"level": lvl, "items": [x for x in found if x["level"] == lvl]}
            for lvl in reversed(LEVELS)
            if any(x["level"] == lvl for x in found)
        ]
    else:
        sys.exit(f"unknown command {what}")
    json.dump(result, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
