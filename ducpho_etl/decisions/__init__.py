"""Officers' and agencies' decisions on reconciliation rows, kept in a database and honoured by
every later run (issue 17).

    from ducpho_etl.decisions import Decision, DecisionStore, open_store, row_content_key
"""

from ducpho_etl.decisions.evidence import evidence_of_row
from ducpho_etl.decisions.keys import row_content_key
from ducpho_etl.decisions.model import (
    AUTHOR_KINDS,
    VERDICTS,
    AuthorKind,
    Decision,
    DecisionError,
    Verdict,
    new_decision,
)
from ducpho_etl.decisions.store import DecisionStore, open_store, store_url

__all__ = ["AUTHOR_KINDS", "VERDICTS", "AuthorKind", "Decision", "DecisionError",
           "DecisionStore", "Verdict", "evidence_of_row", "new_decision", "open_store", "row_content_key",
           "store_url"]
