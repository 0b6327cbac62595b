"""One source, end to end as pure functions: normalise, validate, link, assign statuses."""

from __future__ import annotations

import polars as pl

from ducpho_etl.config import DEFAULT_DATA_YEAR
from ducpho_etl.contracts import SourceContract
from ducpho_etl.decisions.apply import apply_decisions
from ducpho_etl.link import link_rows
from ducpho_etl.link.index import RegistryIndex, as_index
from ducpho_etl.normalize import normalize_frame
from ducpho_etl.normalize.places import commune_name_exprs
from ducpho_etl.reasons import reason_text_expr
from ducpho_etl.results import STATUSES, LinkModel  # noqa: F401 - STATUSES: its old home
from ducpho_etl.validate import validate_rows

RAW_FIELDS_KEPT = ["ho_ten", "ngay_sinh", "gioi_tinh", "so_dinh_danh", "so_cmnd", "ma_bhxh",
                   "the_bhyt", "mst", "xa", "dia_chi", "thon"]
CANONICAL_KEPT = ["name", "name_key", "birth_year", "birth_month", "birth_day",
                  "birth_precision", "gender", "id12", "id12_status", "cmnd9", "bhxh10", "mst10",
                  "ma_xa", "xa_2025"]
# the row's normalised commune, carried into every output (code and names)
COMMUNE_COLUMNS = ["xa_2025", "commune_2025_name", "commune_pre2025_name"]
UNLINKED_DUP_KEY = ["name_key", "gender", "birth_year"]


def reconcile_source(raw: pl.DataFrame, contract: SourceContract,
                     registry: pl.DataFrame | RegistryIndex, data_year: int = DEFAULT_DATA_YEAR,
                     decisions: pl.DataFrame | None = None) -> tuple[pl.DataFrame, LinkModel]:
    """Every raw row -> exactly one reconciliation row with status, person and reasons; and the
    linkage model used: whether the match weights were estimated or the fallback, the sample
    sizes, weights, m, u and the decision rule (no personal data).

    `registry`: the prepared registry, or its linkage index (built once for all sources).
    `decisions`: the officers' and agencies' decisions in force for this source
    (ducpho_etl.decisions.apply.decisions_frame), applied after linkage."""
    checked = checked_rows(raw, contract, data_year)
    linkable = checked.filter(pl.col("reject_codes").list.len() == 0)
    index = as_index(registry)
    link_model: LinkModel = {}
    links = link_rows(linkable, index, link_model)
    decided = checked.join(links, on="row_id", how="left")
    decided = apply_decisions(decided, decisions, index.frame)
    decided = _assign_statuses(decided, index.frame, contract, data_year)
    return _shape_output(decided), link_model


def checked_rows(raw: pl.DataFrame, contract: SourceContract,
                 data_year: int = DEFAULT_DATA_YEAR) -> pl.DataFrame:
    """Every raw row normalised and validated (row_id, canonical fields, reject/flag/norm codes):
    what `ducpho-etl check` shows of a file, and what linking starts from."""
    frame = raw.with_row_index("row_id").with_columns(
        pl.lit(data_year, pl.Int32).alias("reference_year")
    )
    canon = normalize_frame(frame)
    return canon.join(validate_rows(canon, contract), on="row_id", how="left")


def _assign_statuses(frame: pl.DataFrame, registry: pl.DataFrame, contract: SourceContract,
                     data_year: int) -> pl.DataFrame:
    person = registry.select("person_id", pl.col("alive").alias("_alive"),
                             pl.col("birth_year").alias("_reg_year"))
    frame = frame.join(person, on="person_id", how="left").sort("row_id")
    linked = pl.col("link_outcome") == "linked"
    age = data_year - pl.col("_reg_year")
    too_young = pl.lit(contract.min_age is not None) & (age < (contract.min_age or 0) - 1)
    too_old = pl.lit(contract.max_age is not None) & (age > (contract.max_age or 999) + 1)
    officer = (pl.col("link_stage") == "officer").fill_null(False)  # an officer saw the age
    age_bad = linked & ~officer & (too_young | too_old).fill_null(False)
    first_of_person = pl.col("row_id") == pl.col("row_id").min().over("person_id")
    rejected = pl.col("reject_codes").list.len() > 0
    frame = frame.with_columns(
        _nf=~rejected & (pl.col("link_outcome") == "none") & pl.col("birth_year").is_not_null()
    )
    frame = frame.join(_unlinked_duplicates(frame), on="row_id", how="left")
    # An unlinked row that repeats an earlier unlinked one stays not_found (the registry says
    # nothing of either; two people from elsewhere may share a name and year), with the earlier
    # row in duplicate_of and a note: the agency fixes both, and no guess hides one of them.
    repeated = pl.col("_unlinked_dup_of").is_not_null()
    status = (
        pl.when(rejected).then(pl.lit("rejected"))
        .when(linked & ~first_of_person).then(pl.lit("duplicate"))
        .when(age_bad).then(pl.lit("review"))
        .when(linked & ~pl.col("_alive")).then(pl.lit("deceased"))
        .when(linked).then(pl.lit("matched"))
        .when(pl.col("link_outcome") == "review").then(pl.lit("review"))
        .otherwise(pl.lit("not_found"))
    )
    frame = frame.with_columns(status=status)
    ref = pl.concat_str(pl.col("source_file"), pl.lit(":"), pl.col("source_row").cast(pl.Utf8))
    first_by_person = frame.filter(linked).group_by("person_id").agg(
        ref.sort_by("row_id").first().alias("_first_person"))
    frame = frame.join(first_by_person, on="person_id", how="left")
    frame = frame.with_columns(  # a duplicate is always a linked row's (see status above)
        duplicate_of=pl.when(pl.col("status") == "duplicate").then(pl.col("_first_person"))
        .when(pl.col("status") == "not_found").then(pl.col("_unlinked_dup_of"))
    )
    status_code = (
        pl.when(pl.col("status") == "duplicate")
        .then(pl.lit("duplicate_person"))
        .when(pl.col("status") == "deceased").then(pl.lit("deceased"))
        .when((pl.col("status") == "review") & age_bad).then(pl.lit("age_out_of_range"))
        # one candidate, not likely enough to link: no one else to tell it from
        .when((pl.col("status") == "review") & (pl.col("candidate_count") == 1))
        .then(pl.lit("weak_match"))
        .when(pl.col("status") == "review").then(pl.lit("ambiguous_candidates"))
        .when(pl.col("status") == "not_found").then(pl.lit("not_in_registry"))
        .when(pl.col("status") == "matched").then(
            pl.when(officer).then(pl.lit("officer_match"))
            .when(pl.col("link_stage") == "id12").then(pl.lit("linked_by_id"))
            .when(pl.col("link_stage") == "cmnd").then(pl.lit("linked_by_cmnd"))
            .otherwise(pl.lit("linked_by_fields")))
    )
    codes = pl.concat_list(
        pl.col("reject_codes"),
        pl.concat_list(status_code, pl.when((pl.col("status") == "not_found") & repeated)
                       .then(pl.lit("repeated_not_found"))).list.drop_nulls(),
        pl.col("link_codes").fill_null(pl.lit([], pl.List(pl.Utf8))),
        pl.col("flag_codes"),
        pl.col("norm_codes"),
    ).list.unique(maintain_order=True)
    return frame.with_columns(reason_codes=codes).sort("row_id")


def _unlinked_duplicates(frame: pl.DataFrame) -> pl.DataFrame:
    """row_id -> "file:row" of the earliest earlier unlinked row with the same name, gender and
    birth year, and no contradicting day, month or ID (a year-only row repeats a full-date one)."""
    cols = ["row_id", *UNLINKED_DUP_KEY, "birth_month", "birth_day", "id12", "source_file",
            "source_row"]
    rows = frame.filter(pl.col("_nf")).select(cols)
    pairs = rows.join(rows, on=UNLINKED_DUP_KEY, suffix="_e").filter(
        pl.col("row_id_e") < pl.col("row_id"))

    def agree(part: str) -> pl.Expr:
        return (pl.col(part).is_null() | pl.col(f"{part}_e").is_null()
                | (pl.col(part) == pl.col(f"{part}_e")))

    return (pairs.filter(agree("birth_month") & agree("birth_day") & agree("id12"))
            .sort("row_id_e").group_by("row_id").agg(
                pl.concat_str(pl.col("source_file_e"), pl.lit(":"),
                              pl.col("source_row_e").cast(pl.Utf8)).first()
                .alias("_unlinked_dup_of")))


def _shape_output(frame: pl.DataFrame) -> pl.DataFrame:
    raw_cols = [pl.col(c).alias(f"raw_{c}") for c in RAW_FIELDS_KEPT if c in frame.columns]
    return frame.select(
        "source", "source_file", "sheet", "source_row", "row_kind", "encoding",
        "status", "person_id", "link_stage", "match_score", "second_score", "candidate_count",
        "duplicate_of", "reason_codes",
        reason_text_expr(pl.col("reason_codes")).alias("reason"),
        reason_text_expr(pl.col("reason_codes"), language=1).alias("reason_en"),
        "evidence", *CANONICAL_KEPT, *commune_name_exprs(), *raw_cols,
        *sorted(c for c in frame.columns if c.startswith("extra_")),  # columns kept as read
    )


def cleaned_records(recon: pl.DataFrame, registry_raw: pl.DataFrame) -> pl.DataFrame:
    """The cleaned records: matched rows with the registry's identity fields (the clean truth)
    and the source's own codes, traceable to their file and row."""
    identity = registry_raw.select(
        pl.col("so_dinh_danh").alias("person_id"), "so_cmnd", "ho_ten", "ngay_sinh", "gioi_tinh",
        "ma_xa", "dia_chi",
    )
    return (recon.filter(pl.col("status") == "matched")
            .select("source", "source_file", "sheet", "source_row", "person_id",
                    pl.col("bhxh10").alias("ma_bhxh"), pl.col("mst10").alias("ma_so_thue"),
                    *[c for c in COMMUNE_COLUMNS if c in recon.columns])
            .join(identity, on="person_id", how="left"))
