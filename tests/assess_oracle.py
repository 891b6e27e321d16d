#!/usr/bin/env python3
"""Independent recomputation of `ducha assess` (docs/rules.md §17), sharing no code with ducha.

Usage: assess_oracle.py DATA_DIR STATS_JSON LEDGER_XLSX ASSESS_JSON OUT_FOLDER

Reads plan.yaml, office.yaml, the report files, the 督办 register (orders/<年>/*.yaml, replayed
here from its events up to the assessment date) and assessment.yaml (when present; else the
defaults as docs/rules.md §17 states them) with PyYAML; each task's status per quarter from the
工作台账 (`ducha ledger`, read with openpyxl) and each unit's year-end status counts from
`ducha stats --period <last> --json` (the status engine is tested on its own, tests/stats_bundled.rs);
recomputes report lateness / missing from the report files and the deadline rule of §6, the
scores, ranks and 等次, and compares them with ASSESS_JSON. Then walks every line of every 扣分明细
back to its event in the data (and checks no expected line is absent), and reads the PDF
(pdftotext for the text, PyMuPDF for the 横排 table's columns) and the workbook (openpyxl) in OUT_FOLDER back against the JSON.

Prints one line per problem and exits 1 if there is any; prints a summary and exits 0 otherwise.
"""
import datetime
import glob
import json
import os
import re
import subprocess
import sys
from decimal import Decimal

import openpyxl
import pymupdf
import yaml

HEADS = ["单位", "牵头任务数", "加分", "扣分", "得分", "排名", "等次", "说明"]
LABELS = ["已完成", "超序时", "序时推进", "滞后", "严重滞后", "未启动", "未报送", "其他"]
DEFAULTS = {
    "base": "100",
    "floor": "0",
    "status_points": {"已完成": "0", "超序时": "0", "序时推进": "-1", "滞后": "-2", "严重滞后": "-4",
                      "未启动": "-5", "未报送": "-5", "其他": "0"},
    "reports": {"late": "-0.1", "missing": "-0.5"},
    "orders": {"closed_late": "-1", "open_overdue": "-2", "returned": "-0.5"},
    "grades": [("优秀", "95"), ("良好", "85"), ("合格", "70")],
    "lowest": "不合格",
    "step_down": True,
}

problems = []


def problem(msg):
    problems.append(msg)
    print("PROBLEM:", msg)


def D(x):
    """A YAML/JSON number as an exact decimal (via its shortest text)."""
    return Decimal(repr(x)) if isinstance(x, float) else Decimal(str(x))


def rules_of(data):
    r = json.loads(json.dumps(DEFAULTS))
    r["grades"] = [list(g) for g in DEFAULTS["grades"]]
    path = os.path.join(data, "assessment.yaml")
    if os.path.exists(path):
        f = yaml.safe_load(open(path, encoding="utf-8")) or {}
        for k in ("base", "floor", "lowest", "step_down"):
            if k in f:
                r[k] = f[k]
        for k in ("status_points", "reports", "orders"):
            r[k].update(f.get(k) or {})
        if "grades" in f:
            r["grades"] = [[g["name"], g["min"]] for g in f["grades"]]
    to_d = lambda m: {k: D(v) for k, v in m.items()}
    return {
        "base": D(r["base"]), "floor": D(r["floor"]), "status_points": to_d(r["status_points"]),
        "reports": to_d(r["reports"]), "orders": to_d(r["orders"]),
        "grades": [(n, D(m)) for n, m in r["grades"]], "lowest": r["lowest"], "step_down": bool(r["step_down"]),
    }


def period_end(year, q):
    m = 3 * q
    nxt = datetime.date(year + (m == 12), 1 if m == 12 else m + 1, 1)
    return nxt - datetime.timedelta(days=1)


def office_offset(office):
    """The office's UTC offset in seconds (`timezone`: China's IANA zones are +08:00)."""
    tz = str(office.get("timezone", "Asia/Shanghai"))
    m = re.fullmatch(r"UTC([+-])(\d\d):(\d\d)", tz)
    if m:
        sign = 1 if m.group(1) == "+" else -1
        return sign * (int(m.group(2)) * 3600 + int(m.group(3)) * 60)
    return 8 * 3600


def event_date(at, offset):
    """An event's office date: a bare date is that date; a time without an offset is office time."""
    at = str(at).strip()
    if len(at) == 10:
        return datetime.date.fromisoformat(at)
    t = datetime.datetime.fromisoformat(at)
    if t.tzinfo is not None:
        t = t.astimezone(datetime.timezone(datetime.timedelta(seconds=offset)))
    return t.date()


def orders_of(data, year, as_of, offset):
    """Each 督办事项 of the year as it stood at the end of `as_of`, replayed from its events:
    {number, unit (承办), deadline in force, closed, answered, returns}. 需协调事项, items issued
    after `as_of` and 中止 items are left out (docs/rules.md §17)."""
    out = []
    for path in sorted(glob.glob(os.path.join(data, "orders", "*", "*.yaml"))):
        it = yaml.safe_load(open(path, encoding="utf-8"))
        if it["kind"] != "order" or not str(it["period"]).startswith(f"{year}Q"):
            continue
        issued = datetime.date.fromisoformat(str(it["issued"]))
        if issued > as_of:
            continue
        deadline = datetime.date.fromisoformat(str(it["deadline"]))
        closed = stopped = None
        returns = 0
        last_reply = None
        pending = False  # a reply waiting for review
        requested = None  # a requested extension not decided yet
        for e in it.get("events") or []:
            d = event_date(e["at"], offset)
            if d > as_of:
                break
            a = e["action"]
            if a == "reply":
                last_reply, pending = d, True
            elif a == "return":
                returns += 1
                pending = False
            elif a == "request_extension":
                requested = e["new_deadline"]
            elif a == "refuse_extension":
                requested = None
            elif a == "grant_extension":
                # The date granted: the one written with the grant, else the one requested.
                deadline = datetime.date.fromisoformat(str(e.get("new_deadline") or requested))
                requested = None
            elif a == "close":
                closed = d
            elif a == "stop":
                stopped = d
        if stopped:
            continue
        answered = last_reply if (closed or pending) else None
        out.append({"number": it["number"], "unit": it["units"][0], "deadline": deadline, "closed": closed,
                    "answered": answered, "returns": returns})
    return out


def main():
    data, stats_path, ledger_path, assess_path, folder = sys.argv[1:6]
    plan = yaml.safe_load(open(os.path.join(data, "plan.yaml"), encoding="utf-8"))
    office = yaml.safe_load(open(os.path.join(data, "office.yaml"), encoding="utf-8"))
    stats = json.load(open(stats_path, encoding="utf-8"))
    got = json.load(open(assess_path, encoding="utf-8"))
    rules = rules_of(data)
    year = plan["year"]
    days = office.get("report_deadline_days", 5)

    tasks = [t for s in plan["sections"] for t in s.get("tasks", [])]
    leads, everyone = [], []
    for t in tasks:
        for u in t.get("lead_units") or []:
            if u not in leads:
                leads.append(u)
        for u in (t.get("lead_units") or []) + (t.get("participating_units") or []):
            if u not in everyone:
                everyone.append(u)
    led = {u: [t["number"] for t in tasks if u in (t.get("lead_units") or [])] for u in leads}
    as_of = datetime.date.fromisoformat(got["as_of"])
    orders = orders_of(data, year, as_of, office_offset(office))

    # Reports: (period, unit) -> sorted [(submitted, file name as ducha shows it)].
    parent = os.path.dirname(os.path.abspath(data))
    reports = {}
    for path in sorted(glob.glob(os.path.join(data, "reports", "*", "*.yaml"))):
        r = yaml.safe_load(open(path, encoding="utf-8"))
        shown = os.path.relpath(path, parent).replace(os.sep, "/")
        sub = r["submitted"]
        sub = sub if isinstance(sub, datetime.date) else datetime.date.fromisoformat(str(sub))
        reports.setdefault((str(r["period"]), r["unit"]), []).append((sub, shown))
    periods = sorted({p for p, _ in reports if p.startswith(f"{year}Q")})
    last = periods[-1]
    quarters = [f"{year}Q{q}" for q in range(1, int(last[-1]) + 1)]
    if got["period"] != last:
        problem(f"period {got['period']} != {last}")

    # Each task's status per quarter, from the ledger.
    wb = openpyxl.load_workbook(ledger_path)
    status = {}
    for ws in [w for w in wb.worksheets[1:] if w.title != "督办"]:
        for row in ws.iter_rows(min_row=4, values_only=True):
            if row[0] is None:
                continue
            status[int(row[0])] = [row[5 + 3 * i] for i in range(len(quarters))]
    # Year-end counts per unit agree with `ducha stats`.
    for u in stats["units"]:
        mine = [status[n][-1] for n in led[u["name"]]]
        for lab in LABELS:
            if mine.count(lab) != u["by_status"][lab]:
                problem(f"{u['name']} {lab}: ledger {mine.count(lab)} vs stats {u['by_status'][lab]}")

    # Expected lines per unit: (kind, key) -> points.
    sp = rules["status_points"]
    expected = {}
    overdue_units = set()
    for u in leads:
        lines = {}
        for n in led[u]:
            p = sp[status[n][-1]]
            if p != 0:
                lines[("task_status", n)] = p
        for i, q in enumerate(quarters):
            pq = int(q[-1])
            deadline = period_end(year, pq) + datetime.timedelta(days=days)
            required = i == 0 or any(status[n][i - 1] != "已完成" for n in led[u])
            files = sorted(reports.get((q, u), []))
            if files and files[0][0] > deadline and rules["reports"]["late"] != 0:
                lines[("report_late", q)] = rules["reports"]["late"]
            if not files and required and rules["reports"]["missing"] != 0:
                lines[("report_missing", q)] = rules["reports"]["missing"]
        ro = rules["orders"]
        for o in (o for o in orders if o["unit"] == u):
            if o["closed"] and (o["answered"] or o["closed"]) > o["deadline"] and ro["closed_late"] != 0:
                lines[("order_closed_late", o["number"])] = ro["closed_late"]
            if not o["closed"] and not o["answered"] and as_of > o["deadline"]:
                overdue_units.add(u)
                if ro["open_overdue"] != 0:
                    lines[("order_open_overdue", o["number"])] = ro["open_overdue"]
            if o["returns"] and ro["returned"] != 0:
                lines[("order_returned", o["number"])] = ro["returned"] * o["returns"]
        expected[u] = lines

    # Scores, ranks, grades.
    scored = []
    for idx, u in enumerate(leads):
        pts = list(expected[u].values())
        plus = sum((p for p in pts if p > 0), Decimal(0))
        minus = sum((p for p in pts if p < 0), Decimal(0))
        score = max(rules["floor"], rules["base"] + plus + minus)
        band = next((i for i, (_, m) in enumerate(rules["grades"]) if score >= m), len(rules["grades"]))
        if band == 0 and rules["step_down"] and u in overdue_units:
            band = 1  # 降档: an order 逾期未办结 on the assessment date
        name = lambda i: rules["grades"][i][0] if i < len(rules["grades"]) else rules["lowest"]
        scored.append({"unit": u, "idx": idx, "tasks": len(led[u]), "plus": plus, "minus": minus,
                       "score": score, "grade": name(band)})
    scored.sort(key=lambda x: (-x["score"], x["idx"]))
    for i, s in enumerate(scored):
        s["rank"] = scored[i - 1]["rank"] if i and scored[i - 1]["score"] == s["score"] else i + 1

    if [u["unit"] for u in got["units"]] != [s["unit"] for s in scored]:
        problem("unit order differs: " + str([u["unit"] for u in got["units"]]))
    by_unit = {u["unit"]: u for u in got["units"]}
    for s in scored:
        g = by_unit.get(s["unit"])
        if g is None:
            problem(f"{s['unit']} missing")
            continue
        for k in ("tasks", "rank", "grade"):
            if g[k] != s[k]:
                problem(f"{s['unit']} {k}: ducha {g[k]} oracle {s[k]}")
        for k in ("plus", "minus", "score"):
            if D(g[k]) != s[k]:
                problem(f"{s['unit']} {k}: ducha {g[k]} oracle {s[k]}")
    if got["not_scored"] != [u for u in everyone if u not in leads]:
        problem(f"not_scored differs: {got['not_scored']}")

    # Walk every line back to its event; and every expected event has its line.
    walked = 0
    for u in got["units"]:
        seen = {}
        for line in u["lines"]:
            walked += 1
            k, pts = line["kind"], D(line["points"])
            if k == "task_status":
                n = line["task"]
                t = next((t for t in tasks if t["number"] == n), None)
                if t is None or u["unit"] not in (t.get("lead_units") or []):
                    problem(f"{u['unit']}: task {n} is not led by it")
                elif line["period"] != last or status[n][-1] != line["status"]:
                    problem(f"{u['unit']}: task {n} {line['status']} in {line['period']}, ledger {status[n][-1]}")
                key = (k, n)
            elif k == "report_late":
                path = os.path.join(parent, line["file"])
                r = yaml.safe_load(open(path, encoding="utf-8")) if os.path.exists(path) else None
                if r is None or r["unit"] != u["unit"] or str(r["period"]) != line["period"] \
                        or str(r["submitted"]) != line["submitted"]:
                    problem(f"{u['unit']}: late report {line['file']} does not say so")
                pq = int(line["period"][-1])
                deadline = period_end(year, pq) + datetime.timedelta(days=days)
                if line["deadline"] != str(deadline) or line["submitted"] <= line["deadline"]:
                    problem(f"{u['unit']}: late line {line}")
                if min(reports[(line["period"], u["unit"])])[1] != line["file"]:
                    problem(f"{u['unit']}: {line['file']} is not the earliest file of {line['period']}")
                key = (k, line["period"])
            elif k == "report_missing":
                if (line["period"], u["unit"]) in reports:
                    problem(f"{u['unit']}: missing {line['period']} but a report exists")
                key = (k, line["period"])
            elif k.startswith("order_"):
                o = next((o for o in orders if o["number"] == line["order"]), None)
                if o is None or o["unit"] != u["unit"]:
                    problem(f"{u['unit']}: {line['order']} is not an order to it in the register")
                    continue
                if k != "order_returned" and line["deadline"] != str(o["deadline"]):
                    problem(f"{u['unit']}: {line['order']} deadline {line['deadline']}, register {o['deadline']}")
                if k == "order_closed_late" and (line["closed"], line["answered"]) != (
                        str(o["closed"]), o["answered"] and str(o["answered"])):
                    problem(f"{u['unit']}: {line['order']} closed/answered {line['closed']}/{line['answered']}, register {o}")
                if k == "order_open_overdue" and line["as_of"] != str(as_of):
                    problem(f"{u['unit']}: {line['order']} as_of {line['as_of']}")
                if k == "order_returned" and line["times"] != o["returns"]:
                    problem(f"{u['unit']}: {line['order']} returned {line['times']}, register {o['returns']}")
                key = (k, line["order"])
            else:
                problem(f"{u['unit']}: unexpected line kind {k}")
                continue
            if key in seen:
                problem(f"{u['unit']}: line {key} twice")
            seen[key] = pts
            if expected[u["unit"]].get(key) != pts:
                problem(f"{u['unit']}: line {key} points {pts}, oracle {expected[u['unit']].get(key)}")
        for key in expected[u["unit"]]:
            if key not in seen:
                problem(f"{u['unit']}: no line for {key}")

    # The PDF says the same.
    pdf = os.path.join(folder, "考核得分汇总表.pdf")
    text = subprocess.run(["pdftotext", pdf, "-"], check=True, capture_output=True, text=True).stdout
    flat = re.sub(r"\s+", "", text)
    clean = [u["unit"] for u in got["units"] if not u["lines"]]
    if clean and f"以下{len(clean)}个单位无加分、扣分事项，得分均为{fmt(max(rules['base'], rules['floor']))}分：{'、'.join(clean)}。" not in flat:
        problem(f"PDF does not name the {len(clean)} units without lines")
    for u in got["units"]:
        if not u["lines"]:
            continue
        head = f"{u['unit']}：得分{fmt(u['score'])}（基础分{fmt(rules['base'])}，加分{fmt(u['plus'])}，扣分{fmt(u['minus'])}），排名第{u['rank']}，{u['grade']}"
        if head not in flat:
            problem(f"PDF lacks the head of {u['unit']}: {head}")
        for line in u["lines"]:
            if re.sub(r"\s+", "", line["source"]) not in flat:
                problem(f"PDF lacks line {line['source']}")
    # The 横排 table, read with PyMuPDF: its text runs bottom to top, each column (a band of y
    # around its head) read in x order gives that column's cells, row after row.
    cols = table_columns(pdf)
    rows_want = [[u["unit"], str(u["tasks"]), fmt(u["plus"]), fmt(u["minus"]), fmt(u["score"]), str(u["rank"]),
                  u["grade"], u["note"]] for u in got["units"]]
    rows_want += [[n, "0", "", "", "", "", "", "未牵头任务，不参加评分"] for n in got["not_scored"]]
    for i, h in enumerate(HEADS):
        want = [r[i] for r in rows_want if r[i] != ""]
        if h in ("单位", "说明"):
            if "".join(cols[h]) != "".join(want):
                problem(f"PDF column {h}: {''.join(cols[h])[:80]}… != {''.join(want)[:80]}…")
        elif cols[h] != want:
            problem(f"PDF column {h}: {cols[h]} != {want}")

    # The workbook says the same.
    wb = openpyxl.load_workbook(os.path.join(folder, "考核得分汇总表.xlsx"))
    ws = wb["汇总表"]
    heads = [c.value for c in ws[3]]
    if heads != ["单位", "牵头任务数", "加分", "扣分", "得分", "排名", "等次", "说明"]:
        problem(f"xlsx heads {heads}")
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True)]
    for u, r in zip(got["units"], rows):
        want = (u["unit"], u["tasks"], D(u["plus"]), D(u["minus"]), D(u["score"]), u["rank"], u["grade"], u["note"] or None)
        have = (r[0], r[1], D(r[2]), D(r[3]), D(r[4]), r[5], r[6], r[7])
        if want != have:
            problem(f"xlsx row {have} != {want}")
    rest = [r[0] for r in rows[len(got["units"]):]]
    if rest != got["not_scored"]:
        problem(f"xlsx not-scored rows {rest}")
    detail = [r for r in wb["扣分明细"].iter_rows(min_row=4, values_only=True)]
    want = [(u["unit"], D(line["points"]), line["source"]) for u in got["units"] for line in u["lines"]]
    if [(r[0], D(r[2]), r[3]) for r in detail] != want:
        problem("xlsx 扣分明细 differs from the JSON lines")

    order_lines = sum(1 for u in got["units"] for line in u["lines"] if line["kind"].startswith("order_"))
    print(f"oracle: {len(scored)} units, {walked} lines walked, {order_lines} order lines, {len(problems)} problems")
    sys.exit(1 if problems else 0)


def table_columns(pdf):
    """The 汇总表's cells per column, in row order, from the turned pages of the PDF."""
    cols = {h: [] for h in HEADS}
    for page in pymupdf.open(pdf):
        lines = []
        for b in page.get_text("dict")["blocks"]:
            for l in b.get("lines", []):
                if abs(l["dir"][0]) < 0.1 and l["dir"][1] < -0.9:  # reads bottom to top
                    x0, y0, x1, y1 = l["bbox"]
                    lines.append(((x0 + x1) / 2, (y0 + y1) / 2, "".join(s["text"] for s in l["spans"]).strip()))
        heads = {t: (x, y) for x, y, t in lines if t in HEADS}
        if len(heads) < len(HEADS):
            continue
        head_x = max(x for x, _ in heads.values())
        for x, y, t in lines:
            if x > head_x + 1 and t:
                # Centred columns: the cell's centre is its head's; the rest is 单位 or 说明
                # (left-aligned), whichever head is nearer.
                centred = [k for k in HEADS[1:7] if abs(heads[k][1] - y) < 2]
                h = centred[0] if centred else min(("单位", "说明"), key=lambda k: abs(heads[k][1] - y))
                cols[h].append((page.number, x, t))
    return {h: [t for _, _, t in sorted(v)] for h, v in cols.items()}


def fmt(x):
    d = D(x).normalize()
    return "0" if d == 0 else format(d, "f")


if __name__ == "__main__":
    main()
