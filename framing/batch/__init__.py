"""Batch labelling: stream inputs through the Analyzer into JSONL or Parquet, with rejects."""

from framing.batch.label import LabelSummary, label
from framing.batch.sinks import JsonlSink, ParquetSink, open_sink

__all__ = ["JsonlSink", "LabelSummary", "ParquetSink", "label", "open_sink"]
