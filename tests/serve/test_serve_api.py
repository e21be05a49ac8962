"""The JSON API as a client meets it: real HTTP to a server on loopback."""

from __future__ import annotations

import asyncio
import io
import json
import threading
from typing import Any

import httpx
import pytest
from conftest import OPED

import framing
from framing.codebook import Codebook

CONTRACT = {"id", "meta", "frames", "labels", "primary_frame", "shares", "mentions", "stance",
            "sentences", "model"}


def error(r: httpx.Response) -> tuple[int, str, str]:
    body = r.json()["error"]
    assert body["message"].startswith(f"[{body['code']}]")
    return r.status_code, body["code"], body["message"]


# ----- POST /score -----------------------------------------------------------------------------
def test_score_returns_the_docresult_contract(url: str, serve_analyzer: framing.Analyzer
                                              ) -> None:
    text = OPED.read_text(encoding="utf-8")
    r = httpx.post(url + "/score", json={"text": text, "id": "oped",
                                         "meta": {"outlet": "Example", "date": "May 3, 2017"}},
                   timeout=60)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    d = r.json()
    assert set(d) == CONTRACT
    assert d["id"] == "oped"
    assert d["meta"]["date"] == "2017-05-03"  # normalised as `framing label` does
    assert {"federalism", "enforcement"} <= set(d["labels"])
    for s in d["sentences"]:
        assert text[s["start"]:s["end"]] == s["text"]
        for e in s["evidence"]:
            assert text[e["start"]:e["end"]] == e["text"]
    # the same as scoring in-process (the server's model is the same rule layer)
    direct = serve_analyzer(framing.Article(id="oped", text=text)).to_dict()
    assert d["frames"] == pytest.approx(direct["frames"])
    assert d["labels"] == direct["labels"]
    assert d["sentences"] == direct["sentences"]


def test_score_plain_text_body(url: str) -> None:
    r = httpx.post(url + "/score", params={"id": "p1"},
                   content=b"Drug policy should largely be left to the states.",
                   headers={"content-type": "text/plain; charset=utf-8"})
    assert r.status_code == 200
    assert r.json()["id"] == "p1"
    assert r.json()["primary_frame"] == "federalism"


@pytest.mark.parametrize(("body", "ctype", "status", "code"), [
    (json.dumps({"text": "   "}), "application/json", 400, "E104"),
    (json.dumps({"body": "no text field"}), "application/json", 400, "E103"),
    (json.dumps({"text": 42}), "application/json", 400, "E107"),
    ('{"text": "unfinished', "application/json", 400, "E101"),
    (json.dumps(["a list"]), "application/json", 400, "E102"),
    (json.dumps({"text": "Fine.", "date": "not a date at all"}), "application/json", 400,
     "E106"),
    (json.dumps({"text": "Fine.", "targets": "one target"}), "application/json", 400, "E802"),
    (json.dumps({"text": "Fine.", "targets": [""]}), "application/json", 400, "E706"),
    (json.dumps({"text": "Fine.", "targets": ["the states"]}), "application/json", 400,
     "E808"),
    (b"\xff\xfe bad bytes", "text/plain", 400, "E105"),
    ("<xml/>", "application/xml", 415, "E807"),
])
def test_score_bad_input_gets_numbered_4xx(url: str, body: Any, ctype: str, status: int,
                                           code: str) -> None:
    r = httpx.post(url + "/score", content=body, headers={"content-type": ctype})
    got_status, got_code, message = error(r)
    assert (got_status, got_code) == (status, code), message
    assert "Traceback" not in r.text


def test_score_over_max_chars_is_e109(serve: Any) -> None:
    with serve(max_chars=100) as u:
        r = httpx.post(u + "/score", json={"text": "Leave it to the states. " * 10})
    assert error(r)[:2] == (400, "E109")


# ----- POST /label -----------------------------------------------------------------------------
def lines(r: httpx.Response) -> list[dict[str, Any]]:
    return [json.loads(x) for x in r.text.splitlines()]


BATCH = "\n".join([
    json.dumps({"id": "a", "text": "Drug policy should be left to the states.",
                "outlet": "x"}),
    '{"id": "broken", "text": ',
    json.dumps({"id": "c", "body": "no text"}),
    json.dumps(["not", "an", "object"]),
    json.dumps({"id": "e", "text": ""}),
    "",
    json.dumps({"id": "f", "text": "Prosecutors enforce federal law."}),
]) + "\n"


def test_label_streams_every_record_in_order_with_rejects(url: str) -> None:
    r = httpx.post(url + "/label", content=BATCH.encode(),
                   headers={"content-type": "application/x-ndjson"}, timeout=60)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/x-ndjson")
    rows = lines(r)
    # one line per record (the blank line is not a record, as in `framing label`)
    assert len(rows) == 6
    got = [(x["reject"]["code"], x["reject"]["line"]) if "reject" in x else x["id"]
           for x in rows]
    assert got == ["a", ("E101", 2), ("E103", 3), ("E102", 4), ("E104", 5), "f"]
    assert rows[0]["meta"]["outlet"] == "x"
    assert set(rows[0]) == CONTRACT
    for x in rows:
        if "reject" in x:
            rej = x["reject"]
            assert set(rej) == {"file", "line", "id", "code", "reason"}
            assert rej["file"] == "request body"
            assert rej["reason"].startswith(f"[{rej['code']}]")


def test_label_rejects_match_framing_label(url: str, tmp_path: Any) -> None:
    """The same records through `framing label` reject the same lines with the same codes."""
    from framing.batch import label

    src = tmp_path / "batch.jsonl"
    src.write_text(BATCH, encoding="utf-8")
    rejects = tmp_path / "rejects.jsonl"
    label([src], tmp_path / "out.jsonl", load_kwargs={"rules_only": True}, rejects=rejects,
          progress=False)
    cli = [json.loads(x) for x in rejects.read_text().splitlines()]
    r = httpx.post(url + "/label", files={"file": ("batch.jsonl", BATCH.encode(),
                                                   "application/x-ndjson")})
    served = [x["reject"] for x in lines(r) if "reject" in x]
    assert [(x["line"], x["id"], x["code"], x["reason"]) for x in served] == \
        [(x["line"], x["id"], x["code"], x["reason"]) for x in cli]
    assert {x["file"] for x in served} == {"batch.jsonl"}


def test_label_json_list_and_targets_validation(url: str) -> None:
    body = [{"id": "1", "text": "Leave it to the states."}, "oops", {"id": "3", "text": "Hi."}]
    r = httpx.post(url + "/label", json=body)
    assert r.status_code == 200
    rows = lines(r)
    assert [x.get("id") or x["reject"]["code"] for x in rows] == ["1", "E102", "3"]
    r = httpx.post(url + "/label", json=body, params={"target": "the states"})
    assert error(r)[:2] == (400, "E808")


def test_label_csv_upload_with_fields(url: str) -> None:
    csv = "doc_id,body,outlet\n1,Leave it to the states.,a\n2,,b\n3,Prosecutors charge.,c,x\n"
    r = httpx.post(url + "/label", params={"text_field": "body", "id_field": "doc_id"},
                   files={"file": ("mine.csv", io.BytesIO(csv.encode()), "text/csv")})
    assert r.status_code == 200, r.text
    rows = lines(r)
    assert rows[0]["id"] == "1" and rows[0]["meta"]["outlet"] == "a"
    assert rows[1]["reject"]["code"] == "E104" and rows[1]["reject"]["file"] == "mine.csv"
    assert rows[2]["reject"]["code"] == "E111"


def test_label_parquet_body(url: str, tmp_path: Any) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = tmp_path / "x.parquet"
    pq.write_table(pa.table({"id": ["p1", "p2"], "text": ["States decide.", "Police."]}), p)
    r = httpx.post(url + "/label", content=p.read_bytes(),
                   headers={"content-type": "application/vnd.apache.parquet"})
    assert [x["id"] for x in lines(r)] == ["p1", "p2"]
    r = httpx.post(url + "/label", content=p.read_bytes(), params={"text_field": "body"},
                   headers={"content-type": "application/vnd.apache.parquet"})
    assert error(r)[:2] == (400, "E206")  # a whole-input error comes before the stream


@pytest.mark.parametrize(("kwargs", "status", "code"), [
    ({"content": b"x", "headers": {"content-type": "application/pdf"}}, 415, "E807"),
    ({"files": {"file": ("notes.docx", io.BytesIO(b"x"), "application/octet-stream")}},
     400, "E202"),
    ({"files": {"other": ("a.jsonl", io.BytesIO(b"{}"), "application/json")}}, 400, "E802"),
])
def test_label_unreadable_bodies(url: str, kwargs: dict[str, Any], status: int,
                                 code: str) -> None:
    r = httpx.post(url + "/label", **kwargs)
    assert error(r)[:2] == (status, code)


# ----- GET endpoints, schema -------------------------------------------------------------------
def test_codebook_health_version_schema(url: str) -> None:
    assert httpx.get(url + "/codebook").json() == Codebook.default().to_dict()
    h = httpx.get(url + "/health").json()
    assert h["status"] == "ok" and h["auth"] is False
    v = httpx.get(url + "/version").json()
    assert v["framing"] == framing.__version__
    assert v["model"]["classifier"] is None and v["stance"] is False
    schema = httpx.get(url + "/openapi.json").json()
    assert {"/score", "/label", "/codebook", "/health", "/version"} <= set(schema["paths"])
    body = schema["paths"]["/score"]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"]["required"] == ["text"]
    # the interactive docs pages load scripts from a CDN: they are off
    assert httpx.get(url + "/docs").status_code == 404


def test_unknown_path_is_numbered_404(url: str) -> None:
    assert error(httpx.get(url + "/nothing-here"))[:2] == (404, "E810")
    r = httpx.get(url + "/score")
    assert error(r)[:2] == (405, "E802") and r.headers["allow"] == "POST"


# ----- limits ----------------------------------------------------------------------------------
def test_body_limit_by_length_and_by_stream(serve: Any) -> None:
    with serve(max_body_mb=0.001) as u:  # 1048 bytes
        big = json.dumps({"text": "Leave it to the states. " * 100})
        r = httpx.post(u + "/score", content=big, headers={"content-type": "application/json"})
        assert error(r)[:2] == (413, "E801")

        def chunks() -> Any:  # no Content-Length: the limit applies while reading
            for _ in range(10):
                yield b'{"id": "x", "text": "Leave it to the states."}\n' * 10

        r = httpx.post(u + "/label", content=chunks(),
                       headers={"content-type": "application/x-ndjson"})
        assert error(r)[:2] == (413, "E801")
        ok = httpx.post(u + "/score", json={"text": "Small is fine."})
        assert ok.status_code == 200


def test_rate_limit(serve: Any) -> None:
    with serve(rate_limit=3) as u, httpx.Client() as c:
        codes = [c.post(u + "/score", json={"text": "Hi."}).status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        r = c.post(u + "/score", json={"text": "Hi."})
        assert error(r)[:2] == (429, "E804")
        assert int(r.headers["retry-after"]) >= 1
        assert c.get(u + "/health").status_code == 200  # probes are not limited


def test_token(serve: Any) -> None:
    with serve(token="s3cret-token") as u, httpx.Client() as c:
        r = c.post(u + "/score", json={"text": "Hi."})
        assert error(r)[:2] == (401, "E803")
        assert r.headers["www-authenticate"] == "Bearer"
        r = c.post(u + "/score", json={"text": "Hi."},
                   headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 401
        r = c.post(u + "/score", json={"text": "Hi."},
                   headers={"Authorization": "Bearer s3cret-token"})
        assert r.status_code == 200
        assert c.get(u + "/health").json()["auth"] is True
        assert c.get(u + "/codebook").status_code == 401
        # the page sends the browser to the sign-in form, which sets a cookie
        r = c.get(u + "/", follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, "/login")
        assert c.post(u + "/login", data={"token": "nope"}).status_code == 401
        r = c.post(u + "/login", data={"token": "s3cret-token"}, follow_redirects=False)
        assert r.status_code == 303
        assert "s3cret-token" not in r.headers["set-cookie"]
        assert "samesite=strict" in r.headers["set-cookie"].lower()
        assert c.get(u + "/").status_code == 200
        assert c.post(u + "/score", json={"text": "Hi."}).status_code == 200


def test_foreign_host_header_is_refused(url: str) -> None:
    """A loopback server answers only to loopback names (DNS rebinding)."""
    r = httpx.get(url + "/codebook", headers={"host": "attacker.example"})
    assert r.status_code == 400


def test_timeout_is_e806(serve: Any) -> None:
    text = "Drug policy should be left to the states. " * 4000
    with serve(timeout=0.001) as u:
        r = httpx.post(u + "/score", json={"text": text}, timeout=60)
        assert error(r)[:2] == (504, "E806")
        r = httpx.post(u + "/label", content=json.dumps({"id": "x", "text": text}),
                       headers={"content-type": "application/x-ndjson"}, timeout=60)
        assert r.status_code == 200
        assert lines(r)[0]["reject"]["code"] == "E806"  # in the stream: never dropped


def test_full_queue_is_503(serve: Any, serve_analyzer: framing.Analyzer,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    # The model thread is held on the first text until the test lets it go: a "slow" text
    # raced the clients (a fast machine scored 9,000 words before the last request arrived).
    taken, release = threading.Event(), threading.Event()
    pipe = serve_analyzer.pipe

    def held_pipe(articles: Any, *args: Any, **kw: Any) -> Any:
        articles = list(articles)
        if any(a.text == "hold the model" for a in articles):
            taken.set()
            release.wait(120)
        return pipe(articles, *args, **kw)

    monkeypatch.setattr(serve_analyzer, "pipe", held_pipe)

    async def go(u: str) -> list[int]:
        async with httpx.AsyncClient(timeout=120) as c:
            first = asyncio.create_task(c.post(u + "/score", json={"text": "hold the model"}))
            assert await asyncio.to_thread(taken.wait, 60)  # the model thread has it
            rest = [asyncio.create_task(c.post(u + "/score", json={"text": f"t{i}"}))
                    for i in range(4)]
            # one text waits in the queue (max_queue=1); the other three are refused at once
            for _ in range(6000):
                if sum(t.done() for t in rest) >= 3:
                    break
                await asyncio.sleep(0.01)
            release.set()
            return [(await first).status_code, *[(await t).status_code for t in rest]]

    try:
        with serve(max_queue=1, max_batch=1) as u:
            codes = asyncio.run(go(u))
            assert codes[0] == 200
            assert sorted(codes[1:]) == [200, 503, 503, 503], codes
            r = httpx.post(u + "/score", json={"text": "x"})
            assert r.status_code == 200
    finally:
        release.set()


# ----- micro-batching --------------------------------------------------------------------------
async def _many(u: str, n: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=n)) as c:
        return await asyncio.gather(*(
            c.post(u + "/score", json={"id": f"r{i}", "text": TEXTS[i % len(TEXTS)]})
            for i in range(n)))


TEXTS = ["Drug policy should largely be left to the states.",
         "Prosecutors will enforce federal law and seek mandatory minimums.",
         "The economy grew and jobs came back.",
         "Health clinics treat addiction as a disease."]


def test_concurrent_requests_share_model_calls(serve: Any, serve_analyzer: framing.Analyzer
                                               ) -> None:
    expected = [serve_analyzer(t).labels for t in TEXTS]
    with serve(max_batch=16, max_wait_ms=50) as u:
        rs = asyncio.run(_many(u, 40))
        stats = httpx.get(u + "/health").json()["batching"]
    assert all(r.status_code == 200 for r in rs)
    for i, r in enumerate(rs):  # every answer is its own request's, whatever the batch
        assert r.json()["id"] == f"r{i}"
        assert r.json()["labels"] == expected[i % len(TEXTS)]
    assert stats["docs"] == 40
    assert stats["max_batch"] > 1
    assert stats["batches"] < 40


def test_max_batch_one_scores_one_at_a_time(serve: Any) -> None:
    with serve(max_batch=1) as u:
        rs = asyncio.run(_many(u, 12))
        stats = httpx.get(u + "/health").json()["batching"]
    assert [r.status_code for r in rs] == [200] * 12
    assert (stats["batches"], stats["max_batch"]) == (12, 1)


# ----- stance targets per request --------------------------------------------------------------
def test_targets_per_request(serve: Any, tfidf_stance_model: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("FRAMING_DEFAULT_MODEL", "none")  # rules + this stance model
    an = framing.load(stance_model=tfidf_stance_model, targets=["gun control"])
    text = "Drug policy should be left to the states. We strongly support gun control."

    async def go(u: str) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(timeout=60) as c:
            rs = await asyncio.gather(
                c.post(u + "/score", json={"text": text}),
                c.post(u + "/score", json={"text": text, "targets": ["the death penalty"]}),
                c.post(u + "/score", json={"text": text, "targets": ["a", "b"]}),
                c.post(u + "/score", json={"text": text}))
            return [r.json() for r in rs]

    with serve(an, max_batch=8, max_wait_ms=50) as u:
        got = asyncio.run(go(u))
        assert httpx.get(u + "/version").json()["targets"] == ["gun control"]
    assert [[s["target"] for s in d["stance"]] for d in got] == [
        ["gun control"], ["the death penalty"], ["a", "b"], ["gun control"]]
    assert an.targets == ["gun control"]  # the server's own targets are restored


# ----- with a classifier -------------------------------------------------------------------------
def test_classifier_served_as_in_process(serve: Any, clf_analyzer: framing.Analyzer) -> None:
    text = OPED.read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    expected = [r.to_dict() for r in clf_analyzer.pipe(
        [framing.Article(id=f"p{i}", text=p) for i, p in enumerate(paragraphs)])]

    async def go(u: str) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(timeout=120) as c:
            rs = await asyncio.gather(*(c.post(u + "/score", json={"id": f"p{i}", "text": p})
                                        for i, p in enumerate(paragraphs)))
            return [r.json() for r in rs]

    with serve(clf_analyzer, max_batch=32, max_wait_ms=50) as u:
        got = asyncio.run(go(u))
        stats = httpx.get(u + "/health").json()["batching"]
        assert httpx.get(u + "/version").json()["model"]["classifier"]["method"] == "tfidf"
    assert stats["max_batch"] > 1
    for g, e in zip(got, expected, strict=True):
        assert g["id"] == e["id"] and g["labels"] == e["labels"]
        assert g["frames"] == pytest.approx(e["frames"])
        assert g["sentences"] == e["sentences"]
    assert any(ev["source"] == "classifier" for d in got for s in d["sentences"]
               for ev in s["evidence"])
