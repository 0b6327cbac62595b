from ducpho_etl.ingest.source import IngestError, read_source

__all__ = ["IngestError", "read_source"]
