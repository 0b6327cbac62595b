"""The next run honours the decisions in force: a decided row is linked (or left unlinked) as the
officer or agency said, with `link_stage = "officer"` and the decision in its evidence; a
decision that no longer fits the data is not applied and the row says why.

Pure functions over polars frames, called by reconcile between linkage and statuses. A
decision no longer fits when the person it names left the registry or has died since (unless
the decider knew: evidence person_alive false), when the row's own ID now belongs to another
registry person, when the registry now links a row declared absent from it, when a
"duplicate" has no earlier row of its person left, when the row is now rejected, or when the
row at its place changed content (its key no longer matches; found by file, sheet and row).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

from ducpho_etl.decisions.keys import row_content_key
from ducpho_etl.decisions.model import WITH_PERSON, Decision
from ducpho_etl.privacy import mask_id_expr

DECISION_SCHEMA = {
    "row_key": pl.Utf8, "decision_id": pl.Utf8, "verdict": pl.Utf8, "d_person": pl.Utf8,
    "author_kind": pl.Utf8, "decided_utc": pl.Utf8, "loc_file": pl.Utf8, "loc_sheet": pl.Utf8,
    "loc_row": pl.Int64, "was_linked_to": pl.Utf8, "person_alive": pl.Boolean,
}
VERDICT_CODES = {"match": "officer_match", "duplicate": "officer_duplicate",
                 "not_in_registry": "officer_not_in_registry",
                 "new_resident": "officer_new_resident"}
STALE = "officer_decision_stale"
_HELPERS = ["_row_key", "decision_id", "verdict", "d_person", "author_kind", "decided_utc",
            "loc_file", "loc_sheet", "loc_row", "was_linked_to", "person_alive", "_d_alive",
            "_d_known", "_id_owner", "_o_outcome", "_o_person", "_o_stage", "_first",
            "_moved_id", "_stale", "_applied"]


def decisions_frame(decisions: list[Decision]) -> pl.DataFrame:
    """The decisions in force of one source as a frame (one row per row key)."""
    def source_row(ev: dict) -> int | None:
        try:
            return int(ev.get("source_row"))
        except (TypeError, ValueError):
            return None

    rows = [{"row_key": d.row_key, "decision_id": d.decision_id, "verdict": d.verdict,
             "d_person": d.person_id, "author_kind": d.author_kind,
             "decided_utc": d.decided_utc.isoformat(timespec="seconds"),
             "loc_file": d.evidence.get("source_file"), "loc_sheet": d.evidence.get("sheet"),
             "loc_row": source_row(d.evidence), "was_linked_to": d.evidence.get("person"),
             "person_alive": d.evidence.get("person_alive")} for d in decisions]
    return pl.DataFrame(rows, schema=DECISION_SCHEMA).unique("row_key", keep="last",
                                                              maintain_order=True)


def decisions_digest(frame: pl.DataFrame | None) -> str | None:
    """What enters a source's cache key: the decisions in force (None when there are none, so
    that keys of undecided sources stay as they were)."""
    if frame is None or frame.height == 0:
        return None
    ids = "\n".join(sorted(frame["decision_id"].to_list()))
    return hashlib.sha256(ids.encode()).hexdigest()


def apply_decisions(frame: pl.DataFrame, decisions: pl.DataFrame | None,
                    registry: pl.DataFrame) -> pl.DataFrame:
    """`frame`: reconcile's rows after linkage (row_id, reject_codes, link_outcome, person_id,
    link_stage, link_codes, evidence, id12 and the content-key fields); `registry`: the prepared
    registry (person_id, alive). Returns the same columns, decided rows changed."""
    if decisions is None or decisions.height == 0:
        return frame
    columns = frame.columns
    keyed = frame.with_columns(row_content_key(frame).alias("_row_key"))
    f = keyed.join(decisions, left_on="_row_key", right_on="row_key", how="left")
    f = f.join(registry.select(pl.col("person_id").alias("d_person"), pl.col("alive").alias("_d_alive"),
                               pl.lit(True).alias("_d_known")), on="d_person", how="left")
    f = f.join(registry.select(pl.col("person_id").alias("id12"),
                               pl.col("person_id").alias("_id_owner")), on="id12", how="left")
    f = f.join(_moved(decisions, keyed), on=["source_file", "sheet", "source_row"], how="left",
               nulls_equal=True)

    decided = pl.col("verdict").is_not_null()
    with_person = pl.col("verdict").is_in(list(WITH_PERSON))
    linked_now = (pl.col("link_outcome") == "linked").fill_null(False)
    relinked = linked_now & (mask_id_expr(pl.col("person_id")) != pl.col("was_linked_to")).fill_null(True)
    stale = (
        pl.when(~decided & pl.col("_moved_id").is_not_null()).then(pl.lit("stale_row_changed"))
        .when(~decided).then(pl.lit(None, pl.Utf8))
        .when(pl.col("reject_codes").list.len() > 0).then(pl.lit("stale_row_rejected"))
        .when(with_person & pl.col("_d_known").is_null()).then(pl.lit("stale_person_gone"))
        .when(with_person & ~pl.col("_d_alive") & pl.col("person_alive").fill_null(True))
        .then(pl.lit("stale_person_died"))
        .when(with_person & pl.col("_id_owner").is_not_null()
              & (pl.col("_id_owner") != pl.col("d_person"))).then(pl.lit("stale_id_conflict"))
        .when(~with_person & relinked).then(pl.lit("stale_registry_links"))
    )
    f = f.with_columns(_stale=stale).with_columns(_applied=decided & pl.col("_stale").is_null())
    f = f.with_columns(_o_outcome=pl.col("link_outcome"), _o_person=pl.col("person_id"),
                       _o_stage=pl.col("link_stage"))
    f = _link_as_decided(f, pl.col("_applied"))
    f = _without_lone_duplicates(f)
    return _codes_and_evidence(f).sort("row_id").select(columns)


def _moved(decisions: pl.DataFrame, keyed: pl.DataFrame) -> pl.DataFrame:
    """Decisions whose row is gone, by the place the row had: that place now holds other
    content (the agency edited the row), so the decision is flagged there."""
    gone = decisions.join(keyed.select("_row_key").unique(), left_on="row_key",
                          right_on="_row_key", how="anti")
    return (gone.filter(pl.col("loc_file").is_not_null() & pl.col("loc_row").is_not_null())
            .select(pl.col("loc_file").alias("source_file"), pl.col("loc_sheet").alias("sheet"),
                    pl.col("loc_row").cast(keyed.schema["source_row"]).alias("source_row"),
                    pl.col("decision_id").alias("_moved_id"))
            .unique(["source_file", "sheet", "source_row"], keep="last"))


def _link_as_decided(f: pl.DataFrame, applied: pl.Expr) -> pl.DataFrame:
    with_person = pl.col("verdict").is_in(list(WITH_PERSON))
    return f.with_columns(
        link_outcome=pl.when(applied & with_person).then(pl.lit("linked"))
        .when(applied).then(pl.lit("none")).otherwise(pl.col("link_outcome")),
        person_id=pl.when(applied & with_person).then(pl.col("d_person"))
        .when(applied).then(pl.lit(None, pl.Utf8)).otherwise(pl.col("person_id")),
        link_stage=pl.when(applied).then(pl.lit("officer")).otherwise(pl.col("link_stage")),
    )


def _without_lone_duplicates(f: pl.DataFrame) -> pl.DataFrame:
    """A "duplicate" decision needs an earlier row of its person in this source; without one it
    is stale and the row keeps the model's outcome."""
    dup = pl.col("_applied") & (pl.col("verdict") == "duplicate")
    firsts = (f.filter((pl.col("link_outcome") == "linked") & ~dup)
              .group_by("person_id").agg(pl.col("row_id").min().alias("_first")))
    f = f.join(firsts, on="person_id", how="left")
    alone = dup & (pl.col("_first").is_null() | (pl.col("_first") > pl.col("row_id")))
    f = f.with_columns(
        link_outcome=pl.when(alone).then(pl.col("_o_outcome")).otherwise(pl.col("link_outcome")),
        person_id=pl.when(alone).then(pl.col("_o_person")).otherwise(pl.col("person_id")),
        link_stage=pl.when(alone).then(pl.col("_o_stage")).otherwise(pl.col("link_stage")),
        _stale=pl.when(alone).then(pl.lit("stale_no_first_row")).otherwise(pl.col("_stale")),
        _applied=pl.col("_applied") & ~alone,
    )
    return f


def _codes_and_evidence(f: pl.DataFrame) -> pl.DataFrame:
    applied, stale = pl.col("_applied"), pl.col("_stale").is_not_null()
    none: pl.Expr = pl.lit([], pl.List(pl.Utf8))
    verdict_code = pl.col("verdict").replace_strict(VERDICT_CODES, default=None, return_dtype=pl.Utf8)
    author_code = pl.concat_str(pl.lit("decided_by_"), pl.col("author_kind"))
    decision_id = pl.col("decision_id").fill_null(pl.col("_moved_id"))
    officer = pl.concat_str(
        pl.lit('{"officer":{"decision_id":"'), pl.col("decision_id"),
        pl.lit('","verdict":"'), pl.col("verdict"), pl.lit('","author_kind":"'),
        pl.col("author_kind"), pl.lit('","decided_utc":"'), pl.col("decided_utc"), pl.lit('"}'))
    flagged = pl.concat_str(pl.lit('{"officer_stale":{"decision_id":"'), decision_id,
                            pl.lit('","why":"'), pl.col("_stale"), pl.lit('"}'))
    head = pl.when(applied).then(officer).when(stale).then(flagged)

    def wrap(evidence: pl.Expr) -> pl.Expr:
        return (pl.when(head.is_null()).then(evidence)
                .when(evidence.is_null()).then(pl.concat_str(head, pl.lit("}")))
                .otherwise(pl.concat_str(head, pl.lit(","), evidence.str.slice(1))))

    return f.with_columns(
        link_codes=pl.when(applied).then(pl.concat_list(verdict_code, author_code).list.drop_nulls())
        .when(stale).then(pl.concat_list(pl.col("link_codes").fill_null(none),
                                         pl.lit(STALE), pl.col("_stale")))
        .otherwise(pl.col("link_codes")),
        evidence=wrap(pl.col("evidence")),
    )


def officer_counts(recon: pl.DataFrame | None) -> dict:
    """What the manifest and the report count apart: rows settled by a decision (by status and by
    author) and decisions flagged stale. From the published reconciliation rows."""
    empty = {"decided": 0, "by_status": {}, "by_author": {"officer": 0, "agency": 0}, "stale": 0}
    if recon is None or "link_stage" not in recon.columns or "reason_codes" not in recon.columns:
        return empty
    decided = recon.filter(pl.col("link_stage") == "officer")
    codes = recon["reason_codes"]
    return {
        "decided": decided.height,
        "by_status": dict(sorted(decided["status"].value_counts().iter_rows())),
        "by_author": {kind: int(decided["reason_codes"].list.contains(f"decided_by_{kind}").sum())
                      for kind in ("officer", "agency")},
        "stale": int(codes.list.contains(STALE).sum()),
    }


def decisions_in_force(output_dir: Path, source: str, url: str | None = None) -> pl.DataFrame:
    """The decisions in force for one source, from the store of the output folder (or
    $DUCPHO_DB_URL). No store yet: none (and no empty database file is created)."""
    from ducpho_etl.decisions.store import open_store, store_url

    where = store_url(output_dir, url)
    if where.startswith("sqlite:///") and not Path(where.removeprefix("sqlite:///")).exists():
        return decisions_frame([])
    store = open_store(output_dir, url)
    try:
        return decisions_frame(store.current(source))
    finally:
        store.close()


STATUS_VI = {"matched": "sạch", "deceased": "đã chết", "duplicate": "trùng",
             "not_found": "không có trong CSDL", "review": "cần xác minh"}


def officer_line(sources: dict) -> str | None:
    """The terminal's line on decisions (from the manifest's sources), or None without any:
    'Quyết định của cán bộ, cơ quan: 3 dòng (2 sạch, 1 không có trong CSDL; cán bộ 1, cơ quan 2);
    1 quyết định cũ cần xem lại'."""
    total = {"decided": 0, "stale": 0, "officer": 0, "agency": 0}
    statuses: dict[str, int] = {}
    for entry in sources.values():
        counts = entry.get("officer") or {}
        total["decided"] += counts.get("decided", 0)
        total["stale"] += counts.get("stale", 0)
        for kind in ("officer", "agency"):
            total[kind] += (counts.get("by_author") or {}).get(kind, 0)
        for status, n in (counts.get("by_status") or {}).items():
            statuses[status] = statuses.get(status, 0) + n
    if not total["decided"] and not total["stale"]:
        return None
    def n(value: int) -> str:  # Vietnamese thousands: 1.234
        return f"{value:,}".replace(",", ".")

    split = ", ".join(f"{n(v)} {STATUS_VI.get(s, s)}" for s, v in statuses.items())
    line = f"Quyết định của cán bộ, cơ quan (officer decisions): {n(total['decided'])} dòng"
    if total["decided"]:
        line += f" ({split}; cán bộ {n(total['officer'])}, cơ quan {n(total['agency'])})"
    if total["stale"]:
        line += f"; {n(total['stale'])} quyết định cũ cần xem lại (stale, to decide again)"
    return line
