"""Link canonical rows to the registry: exact IDs first, then blocked, weighted comparisons."""

from ducpho_etl.link.decide import link_rows

__all__ = ["link_rows"]
