"""The Python peer for `cargo xtask bench validate`: frictionless-py validating the same CSV
submission against the same schema (schemas/iapt-v1.0/datapackage.json, with each code list
turned into an enum constraint, as Table Schema has no code-list reference).

Usage: python3 frictionless_validate.py SCHEMA_DIR CSV_DIR
Prints one line: `seconds cells rows errors`.
"""
import csv
import json
import os
import sys
import time

import frictionless


def package(schema_dir, csv_dir):
    with open(os.path.join(schema_dir, "datapackage.json")) as f:
        pkg = json.load(f)
    codes = {}
    for lst in pkg["iapt:codeLists"]:
        with open(os.path.join(schema_dir, lst["path"])) as f:
            codes[lst["name"]] = [row["code"] for row in csv.DictReader(f)]
    resources = []
    for res in pkg["resources"]:
        path = res["path"]
        if not os.path.exists(os.path.join(csv_dir, path)):
            continue
        fields = []
        for field in res["schema"]["fields"]:
            out = {k: v for k, v in field.items() if not k.startswith("iapt:")}
            if "iapt:codes" in field:
                out.setdefault("constraints", {})["enum"] = codes[field["iapt:codes"]]
            if out["type"] == "time":
                out["format"] = "%H:%M"
            fields.append(out)
        schema = {"fields": fields, "missingValues": [""]}
        for key in ("primaryKey", "foreignKeys"):
            if key in res["schema"]:
                schema[key] = res["schema"][key]
        resources.append({"name": res["name"].lower(), "path": path, "schema": schema})
    for r in resources:
        for fk in r["schema"].get("foreignKeys", []):
            fk["reference"]["resource"] = fk["reference"]["resource"].lower()
    return frictionless.Package({"resources": resources}, basepath=csv_dir)


def main():
    schema_dir, csv_dir = sys.argv[1], sys.argv[2]
    pkg = package(schema_dir, csv_dir)
    started = time.perf_counter()
    report = pkg.validate(limit_errors=10**9)
    seconds = time.perf_counter() - started
    rows = sum(t.stats.get("rows", 0) or 0 for t in report.tasks)
    cells = 0
    for r in pkg.resources:
        cells += len(r.schema.fields) * next(t for t in report.tasks if t.name == r.name).stats.get("rows", 0)
    errors = sum(len(t.errors) for t in report.tasks)
    print(f"{seconds:.3f} {cells} {rows} {errors}")


if __name__ == "__main__":
    main()
