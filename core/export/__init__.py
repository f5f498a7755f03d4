"""Writing the curated dataset: kept and dropped records, a decisions sidecar and a manifest."""

from core.export.run import ExportError, ExportOptions, ExportResult, export_session, iter_export

__all__ = ["ExportError", "ExportOptions", "ExportResult", "export_session", "iter_export"]
