"""Reports: PNG charts and one self-contained HTML page of how framing shifts.

Example:
    >>> from framing.report import build_report
    >>> build_report("labels.parquet", "report", by=["outlet"], freq="year")  # doctest: +SKIP
    PosixPath('report/report.html')
"""

from framing.report.build import build_report
from framing.report.evidence import Quote, collect_evidence

__all__ = ["Quote", "build_report", "collect_evidence"]
