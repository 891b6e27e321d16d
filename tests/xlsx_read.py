#!/usr/bin/env python3
"""Reads and edits .xlsx files for tests/excel.rs with openpyxl: a reader that is not Rust.

Needs openpyxl (`python3 -m pip install "openpyxl>=3.1"`).

  xlsx_read.py dump FILE.xlsx
      Prints JSON: every sheet with its state (visible / hidden / veryHidden), whether it is
      protected, freeze panes, autofilter, merged ranges, data validations, hidden columns,
      unlocked cells, and every non-empty cell with its value, locked flag and fill colour.

  xlsx_read.py fill FORM.xlsx REPORT.json OUT.xlsx
  xlsx_read.py fill-many JOBS.json          (JOBS: [{"form": …, "report": …, "out": …}, …])
      Fills the input cells of a `ducha forms` workbook from a report (the report YAML as JSON, the
      shape of ducha's RawReport) the way a department would in Excel: numbers as numbers, the date
      as a date, several evidence files one per line. Rows are found by the hidden 行标识 column,
      columns by their header, the contact cells by their labels.

  xlsx_read.py edit FILE.xlsx OPS.json OUT.xlsx
      Applies edits, a JSON list of {"op": "set", "sheet", "cell", "value"} (value null clears),
      {"op": "delete_row", "sheet", "row"} (1-based) and {"op": "rename_sheet", "from", "to"}.
"""

import datetime
import json
import sys

import openpyxl

FORM_SHEET = "进展填报"


def rgb(cell):
    fill = cell.fill
    if fill is None or fill.fill_type != "solid":
        return None
    colour = fill.fgColor
    if colour is None or colour.type != "rgb" or not isinstance(colour.rgb, str):
        return None
    return colour.rgb[-6:].upper()


def plain(value):
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return value


def dump(path):
    wb = openpyxl.load_workbook(path)
    sheets = []
    for ws in wb.worksheets:
        cells = {}
        unlocked = []
        for row in ws.iter_rows():
            for c in row:
                if not hasattr(c, "column_letter"):
                    continue  # MergedCell
                locked = c.protection.locked if c.protection is not None else True
                if not locked:
                    unlocked.append(c.coordinate)
                if c.value is None:
                    continue
                cells[c.coordinate] = {"v": plain(c.value), "locked": locked, "fill": rgb(c)}
        validations = []
        for dv in ws.data_validations.dataValidation:
            validations.append(
                {
                    "sqref": str(dv.sqref),
                    "type": dv.type,
                    "operator": dv.operator,
                    "formula1": dv.formula1,
                    "formula2": dv.formula2,
                    "prompt": dv.prompt,
                    "error": dv.error,
                }
            )
        sheets.append(
            {
                "name": ws.title,
                "state": ws.sheet_state,
                "protected": bool(ws.protection.sheet),
                "freeze": ws.freeze_panes,
                "autofilter": ws.auto_filter.ref,
                "merged": sorted(str(m) for m in ws.merged_cells.ranges),
                "validations": validations,
                "hidden_columns": sorted(k for k, d in ws.column_dimensions.items() if d.hidden),
                "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.width},
                "unlocked": unlocked,
                "cells": cells,
            }
        )
    print(json.dumps({"sheets": sheets}, ensure_ascii=False))


def number(v):
    return int(v) if float(v).is_integer() else float(v)


def fill(form, report_path, out):
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    wb = openpyxl.load_workbook(form)
    ws = wb[FORM_SHEET]
    header_row = None
    for r in range(1, 20):
        if ws.cell(r, 1).value == "任务编号":
            header_row = r
            break
    assert header_row, "header row not found"
    cols = {}
    for c in range(1, ws.max_column + 1):
        v = ws.cell(header_row, c).value
        if v:
            cols[v] = c
    keys = {}
    for r in range(header_row + 1, ws.max_row + 1):
        k = ws.cell(r, cols["行标识"]).value
        if k:
            keys[str(k)] = r

    # The contact block: the input cell right of each label (after a merged label).
    contact_row = header_row - 1
    labels = {}
    merged = list(ws.merged_cells.ranges)
    for c in range(1, ws.max_column + 1):
        v = ws.cell(contact_row, c).value
        if v in ("联系人", "联系电话", "审核领导", "报送日期"):
            end = c
            for m in merged:
                if m.min_row <= contact_row <= m.max_row and m.min_col == c:
                    end = m.max_col
            labels[v] = end + 1
    for label, key in (("联系人", "contact"), ("联系电话", "phone"), ("审核领导", "reviewed_by")):
        if report.get(key) is not None:
            ws.cell(contact_row, labels[label]).value = report[key]
    ws.cell(contact_row, labels["报送日期"]).value = datetime.date.fromisoformat(str(report["submitted"]))
    ws.cell(contact_row, labels["报送日期"]).number_format = "yyyy-mm-dd"

    for e in report["entries"]:
        task = e["task"]
        first = keys.get(f"{task}-1") or keys.get(f"{task}-0")
        assert first, f"no row for task {task}"
        ws.cell(first, cols["进展情况"]).value = e["progress"].rstrip("\n")
        for v in e.get("values") or []:
            ws.cell(keys[f"{task}-{v['target']}"], cols["完成数值"]).value = number(v["value"])
        if e.get("milestone") is not None:
            ws.cell(first, cols["形象进度"]).value = e["milestone"]
        if e.get("percent") is not None:
            ws.cell(first, cols["形象进度"]).value = number(e["percent"])
        for header, key in (
            ("单位自评", "claim"),
            ("存在问题", "problems"),
            ("下步打算", "next_steps"),
            ("指标调整说明", "adjustment"),
        ):
            if e.get(key) is not None:
                ws.cell(first, cols[header]).value = e[key]
        if e.get("evidence"):
            ws.cell(first, cols["佐证材料"]).value = "\n".join(e["evidence"])
    wb.save(out)


def edit(path, ops_path, out):
    with open(ops_path, encoding="utf-8") as f:
        ops = json.load(f)
    wb = openpyxl.load_workbook(path)
    for op in ops:
        if op["op"] == "set":
            wb[op["sheet"]][op["cell"]].value = op["value"]
        elif op["op"] == "delete_row":
            wb[op["sheet"]].delete_rows(op["row"])
        elif op["op"] == "rename_sheet":
            wb[op["from"]].title = op["to"]
        else:
            raise SystemExit(f"unknown op {op['op']}")
    wb.save(out)


def main(argv):
    if len(argv) >= 2 and argv[0] == "dump":
        dump(argv[1])
    elif len(argv) == 4 and argv[0] == "fill":
        fill(argv[1], argv[2], argv[3])
    elif len(argv) == 2 and argv[0] == "fill-many":
        with open(argv[1], encoding="utf-8") as f:
            for job in json.load(f):
                fill(job["form"], job["report"], job["out"])
    elif len(argv) == 4 and argv[0] == "edit":
        edit(argv[1], argv[2], argv[3])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
