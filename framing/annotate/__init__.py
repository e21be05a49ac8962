"""Annotation: tasks for annotation tools, their exports back as training rows, active
learning, and bootstrapping new frames without labelled data.

* :func:`export_tasks` / :func:`select_tasks`: sentences or documents as tasks for Label Studio,
  Prodigy, doccano or Argilla, pre-filled with the pipeline's labels and rule evidence
  (``select_tasks`` picks the most useful ones: uncertainty, rules-versus-model disagreement,
  diversity, stratified by frame);
* :func:`import_annotations`: the tools' exports as training rows (annotators and timestamps
  kept, conflicts reported, never merged silently);
* :mod:`framing.annotate.bootstrap`: candidates for a new frame from its description and seed
  phrases, and a zero-shot scorer calibrated on a handful of labels.

Example:
    >>> from framing.annotate import TOOLS
    >>> TOOLS
    ('label-studio', 'prodigy', 'doccano', 'argilla')
"""

from framing.annotate.formats import TOOLS, ExportOptions, read_export
from framing.annotate.importing import ImportSummary, import_annotations
from framing.annotate.items import Item, Span, items_from_results
from framing.annotate.tasks import ExportSummary, export_tasks, select_tasks

__all__ = [
    "TOOLS",
    "ExportOptions",
    "ExportSummary",
    "ImportSummary",
    "Item",
    "Span",
    "export_tasks",
    "import_annotations",
    "items_from_results",
    "read_export",
    "select_tasks",
]
