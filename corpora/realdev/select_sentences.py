"""Select the candidate sentences of the real-text development set (``speeches_dev.jsonl``).

Reproducible (fixed seed): splits every speech of ``../shared/data/presidential_speeches.jsonl``
into sentences with the project's own pipeline (``framing.pipeline.build_nlp``: line breaks +
sentencizer), then draws

* ~200 ``federalism_candidate`` sentences that match broad keyword lists about levels of
  government (strong cues such as "states' rights", "Tenth Amendment", "block grant", "New
  Federalism", "nullification", "local self-government"; weak cues such as "the States", "State
  governments", "Governors", "Federal Government" next to "State"/"local"),
* ~200 ``enforcement_candidate`` sentences that match keyword lists about enforcing laws
  (enforce, prosecute, police, prisons, arrests, deportation, drug trafficking, smuggling, tax
  collection and evasion, crime bills; weak cues: crime, criminal, drugs, illegal, immigration),
* ~200 ``random`` sentences: a uniformly random speech, then a uniformly random sentence of it,

stratified over five eras, each sentence 6-90 words long (random: 4-90). The keyword lists only
choose what to read; the labels are assigned afterwards by reading each sentence.

It writes a selection file (doc_id, start, end, selection; no text) to the path given, default
``/tmp/realdev_selection.jsonl``. Text never goes into the repository.

    python corpora/realdev/select_sentences.py [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: The speech file next to a checkout (scripts only); --data-dir or $FRAMING_DATA_DIR override.
SPEECHES = REPO.parent / "shared" / "data" / "presidential_speeches.jsonl"


def speeches_file(data_dir: str | None) -> Path:
    """``presidential_speeches.jsonl`` in ``data_dir``, else in ``$FRAMING_DATA_DIR``, else
    :data:`SPEECHES`."""
    folder = data_dir or os.environ.get("FRAMING_DATA_DIR")
    return Path(folder) / SPEECHES.name if folder else SPEECHES
SEED = 20240611

ERAS = [(1789, 1860), (1861, 1900), (1901, 1945), (1946, 1980), (1981, 2030)]

FED_STRONG = re.compile(
    r"states'? rights|state rights|rights of the states|rights of the several states|"
    r"tenth amendment|reserved to the states|reserved powers|sovereignty of the states|"
    r"state sovereignty|sovereign states|nullif|secession|secede|federalism|block grants?|"
    r"local control|local self-government|self-government of the states|state and local|"
    r"states and localities|states and communities|interposition|powers of the states|"
    r"authority of the states|jurisdiction of the states|closer to the people|one-size|"
    r"consolidation|centraliz|centralis|encroach|usurp|revenue sharing|laboratories",
    re.I)
FED_WEAK = re.compile(
    r"\bthe (several )?States\b|State governments?|\bGovernors?\b|local governments?|"
    r"\bthe Union\b|General Government|local communities|state capitals?|mayors",
    re.I)
FED_WEAK_CO = re.compile(r"federal|national|general government|washington|congress", re.I)

ENF_STRONG = re.compile(
    r"enforc|prosecut|\bpolice|policing|prisons?\b|penitentiar|incarcerat|\bjails?\b|"
    r"arrest|deport|border patrol|traffick|narcotic|smuggl|convict|\bFBI\b|punish|"
    r"crackdown|crime bill|law and order|evasion|evade|penalt|sentenc|marshals?\b|"
    r"district attorney|attorney general|lynch|indict|fugitive|drug dealers|war on drugs|"
    r"illegal aliens?|illegal immigra|undocumented|inspectors?\b|revenue officers|moonshin",
    re.I)
ENF_WEAK = re.compile(r"\bcrimes?\b|criminals?|\bdrugs?\b|illegal|immigra|lawless|violat|"
                      r"\bgangs?\b|offenders?|the laws? (?:is|are|must|shall|should)", re.I)

N_PER_SET = 200


def era_of(date: str) -> int:
    y = int(date[:4])
    for i, (a, b) in enumerate(ERAS):
        if a <= y <= b:
            return i
    raise ValueError(date)


def split_sentences(rows: list[dict]) -> list[tuple[str, int, int, int, str]]:
    from framing.pipeline import build_nlp

    nlp = build_nlp()
    out = []
    with nlp.select_pipes(enable=["line_breaks", "sentencizer"]):
        for row, doc in zip(rows, nlp.pipe((r["text"] for r in rows), batch_size=8),
                            strict=True):
            text = row["text"]
            era = era_of(row["date"])
            for s in doc.sents:
                seg = text[s.start_char:s.end_char]
                st = seg.strip()
                if not st:
                    continue
                start = s.start_char + (len(seg) - len(seg.lstrip()))
                out.append((row["id"], start, start + len(st), era, st))
    return out


def draw(rng: random.Random, pool: list, n: int, taken: set) -> list:
    """n items from pool, stratified over eras (round robin), skipping taken keys."""
    by_era: dict[int, list] = {i: [] for i in range(len(ERAS))}
    for it in pool:
        by_era[it[3]].append(it)
    for v in by_era.values():
        rng.shuffle(v)
    chosen: list = []
    while len(chosen) < n and any(by_era.values()):
        for e in range(len(ERAS)):
            while by_era[e]:
                it = by_era[e].pop()
                if (it[0], it[1]) not in taken:
                    taken.add((it[0], it[1]))
                    chosen.append(it)
                    break
            if len(chosen) >= n:
                break
    return chosen


def words(s: str) -> int:
    return len(s.split())


def keyword_pools(ok: list) -> dict[str, list]:
    """The keyword-matched sentences of ``ok``, in its order: ``federalism_strong``,
    ``federalism_weak`` (a weak cue next to federal/national/Congress, no strong one),
    ``enforcement_strong``, ``enforcement_weak`` (no strong cue)."""
    return {
        "federalism_strong": [t for t in ok if FED_STRONG.search(t[4])],
        "federalism_weak": [t for t in ok if not FED_STRONG.search(t[4])
                            and FED_WEAK.search(t[4]) and FED_WEAK_CO.search(t[4])],
        "enforcement_strong": [t for t in ok if ENF_STRONG.search(t[4])],
        "enforcement_weak": [t for t in ok if not ENF_STRONG.search(t[4])
                             and ENF_WEAK.search(t[4])],
    }


def draw_random(rng: random.Random, sents: list, n: int, taken: set) -> list:
    """n sentences of 4-90 words: a uniformly random speech, then a uniformly random sentence
    of it, skipping taken keys."""
    by_doc: dict[str, list] = {}
    for t in sents:
        if 4 <= words(t[4]) <= 90:
            by_doc.setdefault(t[0], []).append(t)
    doc_ids = sorted(by_doc)
    rnd: list = []
    while len(rnd) < n:
        t = rng.choice(by_doc[rng.choice(doc_ids)])
        if (t[0], t[1]) not in taken:
            taken.add((t[0], t[1]))
            rnd.append(t)
    return rnd


def write_selection(path: str, chosen: dict[str, list]) -> None:
    """The selection file: one ``{doc_id, start, end, selection}`` line per sentence."""
    with open(path, "w", encoding="utf-8") as f:
        for name, items in chosen.items():
            for t in items:
                f.write(json.dumps({"doc_id": t[0], "start": t[1], "end": t[2],
                                    "selection": name}) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="/tmp/realdev_selection.jsonl")
    ap.add_argument("--data-dir", default=None, help="folder with presidential_speeches.jsonl")
    args = ap.parse_args(argv)
    speeches = speeches_file(args.data_dir)
    if not speeches.exists():
        print(f"skip: {speeches} not found", file=sys.stderr)
        return 0
    rows = [json.loads(line) for line in speeches.open(encoding="utf-8")]
    sents = split_sentences(rows)
    rng = random.Random(SEED)
    pools = keyword_pools([t for t in sents if 6 <= words(t[4]) <= 90])
    taken: set = set()
    fed = draw(rng, pools["federalism_strong"], 130, taken) + \
        draw(rng, pools["federalism_weak"], N_PER_SET - 130, taken)
    enf = draw(rng, pools["enforcement_strong"], 140, taken) + \
        draw(rng, pools["enforcement_weak"], N_PER_SET - 140, taken)
    rnd = draw_random(rng, sents, N_PER_SET, taken)
    write_selection(args.out, {"federalism_candidate": fed, "enforcement_candidate": enf,
                               "random": rnd})
    print(f"{len(sents)} sentences; pools: fed {len(pools['federalism_strong'])}+"
          f"{len(pools['federalism_weak'])}, enf {len(pools['enforcement_strong'])}+"
          f"{len(pools['enforcement_weak'])}; wrote {len(fed)}+{len(enf)}+{len(rnd)} "
          f"to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
