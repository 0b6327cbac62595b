from ducpho_etl.ingest.errors import IngestError
from ducpho_etl.ingest.source import read_source

__all__ = ["IngestError", "read_source"]
