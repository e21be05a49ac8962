"""framing.interop: labelled output as pandas / datasets tables (documents and sentences), and
training from a DataFrame or a Dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import framing
import framing.batch
from framing.batch import label
from framing.errors import FramingError
from framing.interop import (
    documents_dataset,
    documents_frame,
    labelled_rows,
    sentences_dataset,
    sentences_frame,
    train_frames,
)

DOCS = [
    {"id": "a", "text": "Drug policy should be left to the states. The team won.",
     "outlet": "Gazette", "date": "2024-01-02"},
    {"id": "b", "text": "Officers made an arrest after the raid. Crime fell.",
     "outlet": "Courier", "date": "2024-02-03"},
]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("interop")
    src = d / "docs.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in DOCS))
    analyzer = framing.load(rules_only=True)
    out = {}
    for name in ("out.jsonl", "out.parquet", "shards/"):
        label([src], d / name, analyzer=analyzer, progress=False)
        out[name] = d / name
    return out


def test_documents_frame_same_from_every_output_format(outputs: dict[str, Path]) -> None:
    frames = [documents_frame(p) for p in outputs.values()]
    for df in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], df)
    df = frames[0]
    # shares and mentions as the JSONL output stores them (Parquet does not store them)
    stored = framing.batch.read_output(outputs["out.jsonl"])[0]
    assert stored.shares and all(df.loc[0, f"share__{f}"] == v for f, v in stored.shares.items())
    assert all(df.loc[0, f"mentions__{f}"] == v for f, v in stored.mentions.items())
    assert list(df["id"]) == ["a", "b"]
    assert "federalism" in df.loc[0, "labels"] and df.loc[0, "primary_frame"] is not None
    assert {"meta.outlet", "meta.date"} <= set(df.columns)
    assert list(df["meta.outlet"]) == ["Gazette", "Courier"]
    # every frame the output scores has its columns in every row, 0.0 where unused
    assert df.loc[1, "score__federalism"] < df.loc[0, "score__federalism"]
    assert df.loc[0, "share__federalism"] == 0.5 and df.loc[0, "mentions__federalism"] >= 1
    assert df["n_sentences"].tolist() == [2, 2] and set(df["model"]) == {"rules"}
    assert not df.filter(like="score__").isna().any().any()


def test_sentences_frame_offsets_text_and_evidence(outputs: dict[str, Path]) -> None:
    df = sentences_frame(outputs["out.parquet"])
    assert df[["doc_id", "sentence"]].values.tolist() == [["a", 0], ["a", 1], ["b", 0],
                                                          ["b", 1]]
    by_id = {r["id"]: r["text"] for r in DOCS}
    for r in df.to_dict("records"):
        assert by_id[r["doc_id"]][r["start"]:r["end"]] == r["text"]
        for e in r["evidence"]:
            assert by_id[r["doc_id"]][e["start"]:e["end"]] == e["text"]
    assert "federalism" in df.loc[0, "labels"] and df.loc[1, "labels"] == []
    assert df.loc[0, "evidence"][0]["source"].startswith("rule:")
    assert df.loc[2, "meta.outlet"] == "Courier"


def test_datasets(outputs: dict[str, Path]) -> None:
    ds = sentences_dataset(outputs["out.jsonl"])
    assert ds.num_rows == 4 and ds[0]["doc_id"] == "a" and "federalism" in ds[0]["labels"]
    docs = documents_dataset(outputs["shards/"])
    assert docs.num_rows == 2 and docs["id"] == ["a", "b"]


ROWS = ([("Drug policy should be left to the states.", ["federalism"]),
         ("States' rights matter more than Washington's preferences.", ["federalism"]),
         ("Officers made an arrest after the raid.", ["enforcement"]),
         ("The team celebrated its win.", [])] * 4)


def test_train_from_dataframe_and_dataset(tmp_path: Path) -> None:
    import datasets

    from framing.models.frames import FrameSettings

    df = pd.DataFrame({"sentence": [t for t, _ in ROWS], "frames": [y for _, y in ROWS]})
    cfg = FrameSettings(method="tfidf")
    r1 = train_frames(df, tmp_path / "m1", cfg, text="sentence", labels="frames",
                      progress=False)
    ds = datasets.Dataset.from_pandas(df)
    r2 = train_frames(ds, tmp_path / "m2", cfg, text="sentence", labels="frames",
                      eval_data=df.iloc[:8], progress=False)
    assert r1.model.labels == r2.model.labels == ["enforcement", "federalism"]
    meta1 = json.loads((tmp_path / "m1" / "framing_model.json").read_text())
    meta2 = json.loads((tmp_path / "m2" / "framing_model.json").read_text())
    assert meta1["labels"] == meta2["labels"]
    got = framing.load(model=tmp_path / "m2")("Leave drug policy to the states.")
    assert "federalism" in got.labels
    # a sentence table, corrected, trains a sentence model directly
    sents = sentences_frame([framing.load(rules_only=True)(t) for t, _ in ROWS])
    sents["labels"] = [y for _, y in ROWS]
    r3 = train_frames(sents, tmp_path / "m3", cfg, progress=False)
    assert r3.model.labels == ["enforcement", "federalism"]


def test_labelled_rows_errors() -> None:
    df = pd.DataFrame({"text": ["a", "b"], "labels": [["federalism"], None]})
    with pytest.raises(FramingError, match=r"\[E868\].*no column 'frames'"):
        labelled_rows(df, labels="frames")
    with pytest.raises(FramingError, match=r"\[E402\].*row 2.*missing labels"):
        train_frames(df, "unused", progress=False)
    assert labelled_rows([{"text": "x", "labels": []}]) == [{"text": "x", "labels": []}]
    with pytest.raises(FramingError, match=r"\[E868\].*a path"):
        labelled_rows("train.jsonl")
