#!/usr/bin/env python3
"""Verify corpora/collection against its ground truth (shifts.json) and print the tables.

    python corpora/collection/verify.py                     # checks + tables to stdout
    python corpora/collection/verify.py --update-datasheet  # also rewrite the generated
                                                            # blocks of DATASHEET.md

Checks (exit status 1 if any fails):
  * structure: offsets reproduce the bank sentences, parents present, document labels are the
    union of sentence labels, document stance agrees with the stance sentences, 4-10 sentences,
    no sentence twice in a document, no two documents with the same sentences, >= 80 documents per
    outlet, equal documents per outlet and year;
  * every planted shift (shifts.json "shifts") is reproduced by the empirical gold shares
    (before/after difference >= 0.35 with >= 25 documents per side, two-proportion z >= 3);
  * every stable series (shifts.json "stable") is flat: yearly empirical shares within 1.5
    documents of the design share in every year, and the before/after difference at every planted
    change point (2019, 2020, 2021 and the 2016-19 / 2020-23 halves) below 0.10;
  * group differences hold overall and in every year.
Needs pandas (and numpy).
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
YEARS = list(range(2016, 2024))
SPLITS = {"2019": 2019, "2020": 2020, "2021": 2021, "halves": 2020}

failures: list[str] = []


def check(cond: bool, msg: str) -> None:
    if not cond:
        failures.append(msg)


def load():
    docs = [json.loads(x) for x in open(HERE / "collection.jsonl", encoding="utf-8")]
    bank = {s["id"]: s for s in map(json.loads, open(HERE / "src" / "sentences.jsonl",
                                                       encoding="utf-8"))}
    truth = json.loads((HERE / "shifts.json").read_text(encoding="utf-8"))
    outlets = json.loads((HERE / "outlets.json").read_text(encoding="utf-8"))["outlets"]
    cb = json.loads((ROOT / "framing" / "resources" / "codebook.json").read_text(encoding="utf-8"))
    return docs, bank, truth, outlets, cb


def structural_checks(docs, bank, outlets, cb):
    parent = {f["id"]: f["parent"] for f in cb["frames"] if f["parent"]}
    targets = {t["id"]: t for t in cb["targets"]}
    seen_sets = set()
    ids = set()
    for d in docs:
        ids.add(d["id"])
        sents = d["sentences"]
        check(4 <= len(sents) <= 10, f"{d['id']}: {len(sents)} sentences")
        src = [s["source_id"] for s in sents]
        check(len(set(src)) == len(src), f"{d['id']}: repeated sentence")
        key = tuple(sorted(src))
        check(key not in seen_sets, f"{d['id']}: identical to another document")
        seen_sets.add(key)
        prev_end = 0
        union = set()
        stance_seen: dict[str, set] = {}
        for s in sents:
            b = bank[s["source_id"]]
            check(d["text"][s["start"]:s["end"]] == b["text"], f"{d['id']}: offsets")
            check(s["start"] >= prev_end, f"{d['id']}: overlapping sentences")
            prev_end = s["end"]
            want = set(b["labels"]) | {parent[x] for x in b["labels"] if x in parent}
            check(set(s["labels"]) == want, f"{d['id']}: sentence labels/parents")
            union |= set(s["labels"])
            for st in s["stance"]:
                stance_seen.setdefault(st["target_id"], set()).add(st["label"])
                check(st["target"] == targets[st["target_id"]]["text"], f"{d['id']}: target text")
            check(b["issue"] in (d["issue"], "general"), f"{d['id']}: sentence from other issue")
        check(set(d["labels"]) == union, f"{d['id']}: document labels != union of sentences")
        check(d["primary_frame"] in d["labels"], f"{d['id']}: primary frame not in labels")
        want_t = [t for t, v in targets.items() if v["issue"] == d["issue"]]
        check([x["target_id"] for x in d["stance"]] == want_t, f"{d['id']}: stance targets")
        for x in d["stance"]:
            got = stance_seen.get(x["target_id"], set())
            check(got == ({x["label"]} if x["label"] != "none" else set()),
                  f"{d['id']}: document stance {x['target_id']} disagrees with sentences")
        check("2016-01-01" <= d["date"] <= "2023-12-31", f"{d['id']}: date")
    check(len(ids) == len(docs), "duplicate document ids")
    check([(d["date"], d["id"]) for d in docs] == sorted((d["date"], d["id"]) for d in docs),
          "collection.jsonl not sorted by date, id")
    df = pd.DataFrame({"outlet": [d["outlet"] for d in docs],
                       "year": [int(d["date"][:4]) for d in docs]})
    per = df.groupby(["outlet", "year"]).size().unstack()
    for o in [x["id"] for x in outlets]:
        check(o in per.index, f"{o}: no documents")
        if o in per.index:
            check(per.loc[o].sum() >= 80, f"{o}: fewer than 80 documents")
            check(per.loc[o].nunique() == 1, f"{o}: uneven documents per year")


def frame_table(docs):
    rows = []
    for d in docs:
        base = {"id": d["id"], "outlet": d["outlet"], "issue": d["issue"],
                "year": int(d["date"][:4]), "date": d["date"]}
        rows.append({**base, "kind": "_doc", "key": "_doc"})
        for f in d["labels"]:
            rows.append({**base, "kind": "frame", "key": f})
        for x in d["stance"]:
            rows.append({**base, "kind": "stance", "key": f"{x['target_id']}:{x['label']}"})
    return pd.DataFrame(rows)


def shares(long, outlet, issue, key):
    """Per-year (share, n) of documents of outlet x issue carrying key."""
    sub = long[(long.outlet == outlet) & (long.issue == issue)]
    n = sub[sub.kind == "_doc"].groupby("year").size().reindex(YEARS, fill_value=0)
    k = sub[sub.key == key].groupby("year").size().reindex(YEARS, fill_value=0)
    return k, n


def split(k, n, year):
    b = [y for y in YEARS if y < year]
    a = [y for y in YEARS if y >= year]
    kb, nb, ka, na = k[b].sum(), n[b].sum(), k[a].sum(), n[a].sum()
    return kb / nb, ka / na, int(nb), int(na), kb, ka


def ztest(kb, nb, ka, na):
    p = (kb + ka) / (nb + na)
    se = math.sqrt(max(p * (1 - p) * (1 / nb + 1 / na), 1e-12))
    return (ka / na - kb / nb) / se


def slope(k, n):
    y = (k / n).to_numpy()
    x = pd.Series(YEARS, dtype=float).to_numpy()
    x = x - x.mean()
    return float((x * (y - y.mean())).sum() / (x * x).sum())


def fmt_year_row(k, n):
    return " | ".join(f"{k[y] / n[y]:.2f}" for y in YEARS)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--update-datasheet", action="store_true")
    args = ap.parse_args(argv)
    docs, bank, truth, outlets, cb = load()
    structural_checks(docs, bank, outlets, cb)
    long = frame_table(docs)
    blocks: dict[str, str] = {}

    # ---- planted shifts --------------------------------------------------------------------
    lines = ["| outlet | issue | frame / stance | kind | design | " + " | ".join(map(str, YEARS))
             + " | before | after | n before/after | z |",
             "|---|---|---|---|---|" + "---|" * len(YEARS) + "---|---|---|---|"]
    for s in truth["shifts"]:
        o, i = s["outlet"], s["issue"]
        key = s.get("frame") or f"{s['stance_target']}:favor"
        k, n = shares(long, o, i, key)
        cut = int(s["change_date"][:4]) if s.get("change_date") else 2020
        pb, pa, nb, na, kb, ka = split(k, n, cut)
        z = ztest(kb, nb, ka, na)
        what = s.get("frame") or f"stance {s['stance_target']} = favor"
        design = f"{s['before_share']:.2f} → {s['after_share']:.2f}"
        if s["kind"] == "trend":
            design += f" (slope {slope(k, n):+.3f}/yr)"
        lines.append(f"| {o} | {i} | {what} | {s['kind']} | {design} | {fmt_year_row(k, n)} | "
                     f"{pb:.2f} | {pa:.2f} | {nb}/{na} | {z:+.1f} |")
        diff = pa - pb
        sign = 1 if s["direction"] == "up" else -1
        check(sign * diff >= 0.35, f"shift {o}/{i}/{what}: before/after change {diff:+.2f} < 0.35")
        check(min(nb, na) >= 25, f"shift {o}/{i}/{what}: fewer than 25 docs on a side")
        check(sign * z >= 3, f"shift {o}/{i}/{what}: z={z:.1f}")
        if s["kind"] == "trend":
            for y in YEARS:
                check(abs(k[y] / n[y] - s["yearly_shares"][str(y)]) <= 1.5 / n[y] + 1e-9,
                      f"trend {o}/{i}/{what} {y}")
        if s["kind"] == "stance":
            ka_, _ = shares(long, o, i, f"{s['stance_target']}:against")
            a_b, a_a, *_ = split(ka_, n, cut)
            lines.append(f"| {o} | {i} | stance {s['stance_target']} = against | stance | "
                         f"{s['against_before_share']:.2f} → {s['against_after_share']:.2f} | "
                         f"{fmt_year_row(ka_, n)} | {a_b:.2f} | {a_a:.2f} | {nb}/{na} | |")
    for s in truth["implied_shifts"]:
        o, i = s["outlet"], s["issue"]
        if "frame" in s:
            key, what = s["frame"], f"{s['frame']} (implied by child)"
            design = f"{s['before_share']:.2f} → {s['after_share']:.2f}"
        else:
            key = f"{s['stance_target']}:favor"
            what = f"stance {s['stance_target']} = favor (implied)"
            yf = s["yearly_favor_share"]
            design = f"{yf[str(YEARS[0])]:.2f} → {yf[str(YEARS[-1])]:.2f}"
        k, n = shares(long, o, i, key)
        cut = int(s["change_date"][:4]) if s.get("change_date") else 2020
        pb, pa, nb, na, kb, ka = split(k, n, cut)
        lines.append(f"| {o} | {i} | {what} | {s['kind']} | {design} | {fmt_year_row(k, n)} | "
                     f"{pb:.2f} | {pa:.2f} | {nb}/{na} | {ztest(kb, nb, ka, na):+.1f} |")
    blocks["verification-shifts"] = "\n".join(lines)

    # ---- stable series ---------------------------------------------------------------------
    design = truth["design"]
    stable_rows = []
    for e in truth["stable"]:
        o, i = e["outlet"], e["issue"]
        dz = design[o][i]
        frames = (list(dz["frame_shares"]["2016"]) if e["frames"] == "all" else e["frames"])
        series = [("frame", f, {y: dz["frame_shares"][str(y)].get(f, 0.0) for y in YEARS})
                  for f in frames]
        st = e["stance"]
        tlist = list(dz["stance_shares"]) if st == "all" else ([] if isinstance(st, str) else st)
        for t in tlist:
            for lab in ("favor", "against"):
                series.append(("stance", f"{t}:{lab}",
                               {y: dz["stance_shares"][t][str(y)][lab] for y in YEARS}))
        for kind, key, want in series:
            k, n = shares(long, o, i, key)
            dev = max(abs(k[y] / n[y] - want[y]) * n[y] for y in YEARS)  # in documents
            diffs = {}
            for name, cut in SPLITS.items():
                pb, pa, nb, na, *_ = split(k, n, cut)
                diffs[name] = (pa - pb, min(nb, na))
            big = max(abs(v[0]) for v in diffs.values())
            stable_rows.append({"outlet": o, "issue": i, "kind": kind, "series": key,
                                "docs_per_year": int(n.iloc[0]),
                                "design": want[YEARS[0]], "empirical": k.sum() / n.sum(),
                                "max_dev_docs": dev, "max_before_after": big,
                                "min_side": min(v[1] for v in diffs.values())})
            check(dev <= 1.5 + 1e-9, f"stable {o}/{i}/{key}: yearly count off design by {dev:.2f}")
            check(big < 0.10 or min(v[1] for v in diffs.values()) < 25,
                  f"stable {o}/{i}/{key}: before/after difference {big:.2f}")
    st = pd.DataFrame(stable_rows)
    big_n = st[st.min_side >= 25]
    summ = (st.assign(large=st.min_side >= 25)
            .groupby(["outlet", "issue", "docs_per_year"])
            .agg(series=("series", "size"), max_dev_docs=("max_dev_docs", "max"),
                 max_before_after=("max_before_after", "max"))
            .reset_index())
    lines = ["| outlet | issue | docs/yr | stable series | max yearly deviation from design "
             "(documents) | max before/after difference (any split) |", "|---|---|---|---|---|---|"]
    for r in summ.itertuples():
        lines.append(f"| {r.outlet} | {r.issue} | {r.docs_per_year} | {r.series} | "
                     f"{r.max_dev_docs:.2f} | {r.max_before_after:.3f} |")
    lines.append("")
    lines.append(f"All {len(st)} stable series (frames and stance labels): largest yearly "
                 f"deviation from the design {st.max_dev_docs.max():.2f} documents; among the "
                 f"{len(big_n)} series with >= 25 documents on both sides of every split, the "
                 f"largest before/after difference is {big_n.max_before_after.max():.3f}.")
    blocks["verification-stable"] = "\n".join(lines)

    # ---- group differences -----------------------------------------------------------------
    lines = ["| issue | frame / stance | outlet | design | pooled | min year | max year |",
             "|---|---|---|---|---|---|---|"]
    for g in truth["group_differences"]:
        key = g.get("frame") or f"{g['stance_target']}:{g['label']}"
        pooled = {}
        for o, want in g["shares"].items():
            k, n = shares(long, o, g["issue"], key)
            yr = k / n
            pooled[o] = k.sum() / n.sum()
            lines.append(f"| {g['issue']} | {key} | {o} | {want:.2f} | {pooled[o]:.2f} | "
                         f"{yr.min():.2f} | {yr.max():.2f} |")
        (hi, lo) = sorted(g["shares"], key=g["shares"].get, reverse=True)
        khi, nhi = shares(long, hi, g["issue"], key)
        klo, nlo = shares(long, lo, g["issue"], key)
        check(((khi / nhi) > (klo / nlo)).all(), f"group difference {key}: not in every year")
        check(pooled[hi] - pooled[lo] >= 0.35, f"group difference {key}: pooled gap < 0.35")
    blocks["verification-groups"] = "\n".join(lines)

    # ---- ground-truth table (from shifts.json) -------------------------------------------
    lines = ["| # | outlet | issue | frame / stance target | kind | direction | change | "
             "before share | after share |", "|---|---|---|---|---|---|---|---|---|"]
    for j, s in enumerate(truth["shifts"], 1):
        what = s.get("frame") or f"stance: {s['stance_target']} (favor)"
        change = s.get("change_date") or f"linear {s['start_year']}→{s['end_year']}"
        extra = ""
        if s["kind"] == "stance":
            extra = (f" (against {s['against_before_share']:.2f} → "
                     f"{s['against_after_share']:.2f})")
        lines.append(f"| {j} | {s['outlet']} | {s['issue']} | {what} | {s['kind']} | "
                     f"{s['direction']} | {change} | {s['before_share']:.2f} | "
                     f"{s['after_share']:.2f}{extra} |")
    lines.append("")
    lines.append("Implied (consequences of the planted shifts, listed in `implied_shifts`):")
    lines.append("")
    for s in truth["implied_shifts"]:
        if "frame" in s:
            child = s["implied_by"].split()[1]
            lines.append(f"- {s['outlet']} / {s['issue']}: parent frame `{s['frame']}` "
                         f"{s['before_share']:.2f} → {s['after_share']:.2f} (implied by its "
                         f"child `{child}`).")
        else:
            yf, ya = s["yearly_favor_share"], s["yearly_against_share"]
            lines.append(f"- {s['outlet']} / {s['issue']}: stance toward `{s['stance_target']}` "
                         f"(unconditional) favor {yf['2016']:.2f} → {yf['2023']:.2f}, against "
                         f"{ya['2016']:.2f} → {ya['2023']:.2f}, because it is only expressed in "
                         f"documents using {s['implied_by'].split()[1]} framing; conditional "
                         f"shares are constant.")
    lines.append("")
    lines.append("Stable by declaration (`stable`; frames and stance constant in every year):")
    lines.append("")
    for e in truth["stable"]:
        fr = "all frames" if e["frames"] == "all" else "all frames except " + ", ".join(
            f"`{x}`" for x in e["except"])
        stc = {"all": "all stance targets", "no targets": "no stance targets"}.get(
            e["stance"] if isinstance(e["stance"], str) else "",
            "stance except " + ", ".join(f"`{x}`" for x in e.get("stance_except", [])))
        lines.append(f"- {e['outlet']} / {e['issue']} ({e['docs_per_year']} docs/yr): {fr}; {stc}")
    lines.append("")
    lines.append("Group differences (`group_differences`, constant over time):")
    lines.append("")
    for g in truth["group_differences"]:
        key = g.get("frame") or f"stance {g['stance_target']} = {g['label']}"
        vals = ", ".join(f"{o} {v:.2f}" for o, v in g["shares"].items())
        lines.append(f"- {g['issue']}, {key}: {vals}")
    blocks["ground-truth"] = "\n".join(lines)

    # ---- label counts ----------------------------------------------------------------------
    docdf = pd.DataFrame({"outlet": [d["outlet"] for d in docs],
                          "issue": [d["issue"] for d in docs],
                          "year": [int(d["date"][:4]) for d in docs]})
    t1 = docdf.groupby(["outlet", "issue"]).size().unstack(fill_value=0)
    t1["total"] = t1.sum(axis=1)
    t1.loc["total"] = t1.sum()
    t2 = docdf.groupby(["outlet", "year"]).size().unstack(fill_value=0)
    t2.loc["total"] = t2.sum()
    fr = long[long.kind == "frame"].groupby(["issue", "key"]).size().unstack(0, fill_value=0)
    nd = docdf.groupby("issue").size()
    t3 = (fr / nd).reindex([f["id"] for f in cb["frames"]]).fillna(0)
    t3["all issues"] = (fr.sum(axis=1) / len(docs)).reindex(t3.index).fillna(0)
    t3.loc["(documents)"] = [*nd.reindex(t3.columns[:-1]), len(docs)]
    pri = pd.Series([d["primary_frame"] for d in docs]).value_counts()

    def md(df, floatfmt=None):
        cols = [str(c) for c in df.columns]
        out = ["| | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
        for idx, row in df.iterrows():
            vals = []
            for v in row:
                if floatfmt and isinstance(v, float) and idx != "(documents)":
                    vals.append(format(v, floatfmt))
                else:
                    vals.append(str(int(v)) if float(v).is_integer() else str(v))
            out.append(f"| {idx} | " + " | ".join(vals) + " |")
        return "\n".join(out)

    n_sent = sum(len(d["sentences"]) for d in docs)
    n_framed = sum(1 for d in docs for s in d["sentences"] if s["labels"])
    stance_docs = sum(1 for d in docs if any(x["label"] != "none" for x in d["stance"]))
    blocks["counts"] = "\n\n".join([
        f"{len(docs)} documents, {n_sent} sentence tokens ({n_framed} framed), "
        f"{len(bank)} distinct bank sentences; {stance_docs} documents take a stance on at least "
        f"one target.",
        "Documents per outlet and issue:\n\n" + md(t1),
        "Documents per outlet and year:\n\n" + md(t2),
        "Frame document shares (gold document labels, parents included) per issue:\n\n"
        + md(t3, ".2f"),
        "Primary frames: " + ", ".join(f"{k} {v}" for k, v in pri.items()) + ".",
    ])

    # ---- sentence bank counts --------------------------------------------------------------
    brows = [{"issue": b["issue"], "frame": f} for b in bank.values() for f in b["labels"]]
    bt = pd.DataFrame(brows).groupby(["frame", "issue"]).size().unstack(fill_value=0)
    bt = bt.reindex([f["id"] for f in cb["frames"]]).fillna(0).astype(int)
    bt = bt[[c for c in ["drug_policy", "immigration", "guns", "health_care", "education",
                         "climate_energy"] if c in bt.columns]]
    per_issue = pd.Series([b["issue"] for b in bank.values()]).value_counts()
    unframed = pd.Series([b["issue"] for b in bank.values() if not b["labels"]]).value_counts()
    bt.loc["(sentences)"] = [per_issue.get(c, 0) for c in bt.columns]
    bt.loc["(unframed)"] = [unframed.get(c, 0) for c in bt.columns]
    st_rows = [{"target": t, "label": lab} for b in bank.values() for t, lab in b["stance"].items()]
    stt = pd.DataFrame(st_rows).groupby(["target", "label"]).size().unstack(fill_value=0)
    blocks["bank"] = "\n\n".join([
        f"{len(bank)} sentences: " + ", ".join(f"{k} {v}" for k, v in per_issue.items())
        + f"; {sum(1 for b in bank.values() if not b['labels'])} unframed "
        f"(of which {per_issue.get('general', 0)} general: datelines, transitions, neutral "
        f"scene-setting, credits), {sum(1 for b in bank.values() if len(b['labels']) > 1)} "
        f"with two or more frames, {sum(1 for b in bank.values() if b['stance'])} stance-bearing.",
        "Sentences per issue and own frame (a sentence with two frames counts in both rows; "
        "parents are not added):\n\n" + md(bt),
        "Stance-bearing sentences per target:\n\n" + md(stt),
    ])
    used_ids = {x["source_id"] for d in docs for x in d["sentences"]}
    unused = sorted(set(bank) - used_ids)
    blocks["bank"] += (f"\n\n{len(unused)} bank sentences are not used by any document (frame "
                       f"combinations or stance polarities that the design makes rare): "
                       + ", ".join(unused) + ".")

    for name in ("ground-truth", "verification-shifts", "verification-stable",
                 "verification-groups", "counts", "bank"):
        print(f"\n## {name}\n")
        print(blocks[name])
    if args.update_datasheet:
        path = HERE / "DATASHEET.md"
        text = path.read_text(encoding="utf-8")
        for name, body in blocks.items():
            pat = re.compile(rf"(<!-- BEGIN {name} -->\n)(?:.*?\n)?(<!-- END {name} -->)", re.S)
            check(bool(pat.search(text)), f"DATASHEET.md lacks block {name}")
            text = pat.sub(lambda m, body=body: m.group(1) + body + "\n" + m.group(2), text)
        path.write_text(text, encoding="utf-8")
    print()
    if failures:
        print(f"FAILED ({len(failures)}):")
        for f in failures[:50]:
            print("  " + f)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
