"""What each annotation tool needs to show framing's tasks (``framing annotate config``).

Example:
    >>> from framing.codebook import Codebook
    >>> from framing.annotate.setup import tool_config
    >>> xml = tool_config("label-studio", Codebook.default(), ["federalism"])
    >>> '<Choices name="frames" toName="text" choice="multiple"' in xml
    True
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from xml.sax.saxutils import quoteattr

from framing.annotate.formats import EVIDENCE, FRAMES, NO_FRAME
from framing.codebook import Codebook


def _frames(cb: Codebook, frames: Sequence[str] | None) -> list[str]:
    return list(frames) if frames else cb.frame_ids


def label_studio_config(cb: Codebook, frames: Sequence[str] | None = None) -> str:
    """The labeling config (Settings > Labeling Interface > Code) for framing's tasks:
    https://labelstud.io/templates/named_entity and https://labelstud.io/tags/choices."""
    fr = _frames(cb, frames)
    labels = "\n".join(f"    <Label value={quoteattr(f)}/>" for f in fr)
    choices = "\n".join(
        f"    <Choice value={quoteattr(f)} hint={quoteattr(cb.frame(f).description)}/>"
        if f in cb and cb.frame(f).description else f"    <Choice value={quoteattr(f)}/>"
        for f in fr)
    return (f'<View>\n  <Labels name="{EVIDENCE}" toName="text">\n{labels}\n  </Labels>\n'
            f'  <Text name="text" value="$text"/>\n'
            f'  <Header value="Which frames does this text use?"/>\n'
            f'  <Choices name="{FRAMES}" toName="text" choice="multiple" showInline="true" '
            f'required="true">\n{choices}\n    <Choice value="{NO_FRAME}"/>\n  </Choices>\n'
            f'</View>\n')


def prodigy_instructions(cb: Codebook, frames: Sequence[str] | None = None) -> str:
    return (
        "# Prodigy: the tasks use the `choice` interface (several options may be chosen)\n"
        "export PRODIGY_CONFIG_OVERRIDES='{\"choice_style\": \"multiple\"}'\n"
        "prodigy mark frames_round1 tasks.jsonl --view-id choice\n"
        "# after annotating (each annotator: http://host:8080/?session=NAME)\n"
        "prodigy db-out frames_round1 > frames_round1.jsonl\n"
        "framing annotate import frames_round1.jsonl --tool prodigy --out rows.jsonl\n"
        f"# options: {', '.join(_frames(cb, frames))}, {NO_FRAME}\n")


def doccano_labels(cb: Codebook, frames: Sequence[str] | None = None) -> str:
    """Label files for doccano's label import (Labels > Actions > Import Labels): one for
    the categories, one for the span types."""
    fr = _frames(cb, frames)
    cats = [{"text": f} for f in [*fr, NO_FRAME]]
    spans = [{"text": f} for f in fr]
    return (
        "# doccano: create an 'Intent Detection and Slot Filling' project (tasks exported with\n"
        "# --doccano-project slot-filling), import these labels, then the tasks (JSONL).\n"
        "# Category labels:\n" + json.dumps(cats, indent=1) + "\n"
        "# Span labels:\n" + json.dumps(spans, indent=1) + "\n"
        "# Export: Dataset > Actions > Export Dataset > JSONL; then\n"
        "# framing annotate import <export>.zip --tool doccano --out rows.jsonl\n")


def argilla_settings(cb: Codebook, frames: Sequence[str] | None = None) -> str:
    """A Python snippet (Argilla 2.x SDK) that creates a dataset for the records."""
    fr = _frames(cb, frames)
    labels = {f: (cb.frame(f).name if f in cb else f) for f in fr}
    labels[NO_FRAME] = "No frame"
    return (
        "import json\nimport argilla as rg\n\n"
        "client = rg.Argilla(api_url=..., api_key=...)\n"
        "settings = rg.Settings(\n"
        "    fields=[rg.TextField(name=\"text\")],\n"
        "    questions=[\n"
        f"        rg.MultiLabelQuestion(name=\"{FRAMES}\", labels={json.dumps(labels)}),\n"
        f"        rg.SpanQuestion(name=\"{EVIDENCE}\", field=\"text\", labels={json.dumps(fr)},\n"
        "                        required=False, allow_overlapping=True),\n"
        "    ],\n)\n"
        "dataset = rg.Dataset(name=\"frames_round1\", settings=settings, client=client)\n"
        "dataset.create()\n"
        "records = json.load(open(\"tasks.json\", encoding=\"utf-8\"))\n"
        "dataset.records.log([rg.Record.from_dict(r) for r in records])\n"
        "# after annotating:\n"
        "dataset.records.to_json(\"frames_round1.json\")\n"
        "# framing annotate import frames_round1.json --tool argilla --out rows.jsonl\n")


def tool_config(tool: str, cb: Codebook, frames: Sequence[str] | None = None) -> str:
    if tool == "label-studio":
        return label_studio_config(cb, frames)
    if tool == "prodigy":
        return prodigy_instructions(cb, frames)
    if tool == "doccano":
        return doccano_labels(cb, frames)
    return argilla_settings(cb, frames)
