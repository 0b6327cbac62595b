"""The workbench's web app (FastAPI, server-rendered Jinja2 pages, one small script).

Every page needs a logged-in officer. Pages show IDs masked; `?full=1` on a row page shows the
full values and is written to the store's access log. A decision is one POST whose answer is a
redirect to the next row of the same filtered queue: one key press, one page load per row.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import polars as pl
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from ducpho_etl.clock import vn_label
from ducpho_etl.config import DEFAULT_DATA_YEAR
from ducpho_etl.link.explain import FIELDS
from ducpho_etl.privacy import mask_id
from ducpho_etl.publish import registry_year_of
from ducpho_etl.reasons import catalogue
from ducpho_etl.review import queue as q
from ducpho_etl.review.candidates import CandidateIndex, row_candidates
from ducpho_etl.review.passwords import verify_password
from ducpho_etl.review.sessions import COOKIE, Session, Sessions
from ducpho_etl.review.store import DecisionStore, make_decision
from ducpho_etl.review.waterfall import FIELD_VI, waterfall

HERE = Path(__file__).parent
STATUS_VI = {"review": "Cần xác minh", "not_found": "Không có trong CSDL", "matched": "Sạch (khớp)",
             "duplicate": "Trùng", "deceased": "Đã chết", "rejected": "Loại bỏ"}
VERDICT_VI = {"match": "Đúng người này (this person)",
              "not_in_registry": "Không ai trong số này (not in the registry)",
              "new_resident": "Cư dân mới cần đăng ký (new resident)",
              "duplicate": "Trùng (duplicate)"}
ID_FIELDS = ["raw_so_dinh_danh", "raw_so_cmnd", "raw_ma_bhxh", "raw_the_bhyt", "raw_mst", "id12",
             "cmnd9", "bhxh10", "mst10"]
RAW_LABELS = {"raw_ho_ten": "Họ và tên", "raw_ngay_sinh": "Ngày sinh", "raw_gioi_tinh": "Giới tính",
              "raw_so_dinh_danh": "Số định danh/CCCD", "raw_so_cmnd": "Số CMND",
              "raw_ma_bhxh": "Mã số BHXH", "raw_the_bhyt": "Số thẻ BHYT", "raw_mst": "Mã số thuế",
              "raw_xa": "Xã/phường", "raw_dia_chi": "Địa chỉ", "raw_thon": "Thôn/tổ dân phố"}
SECURITY_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                    "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                    "Content-Security-Policy": "default-src 'self'; style-src 'self'; "
                                               "script-src 'self'; form-action 'self'"}


@dataclass
class Workbench:
    """What the app serves: the OUTPUT folder, its store, the latest run's queue and the
    registry candidates of that queue (rebuilt when `latest` moves)."""

    output: Path
    store: DecisionStore
    sessions: Sessions = field(default_factory=Sessions)
    _snapshot: q.Snapshot | None = None
    _candidates: CandidateIndex | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> q.Snapshot | None:
        """The latest run's queue; reloaded when a newer run was published."""
        with self._lock:
            latest = q.latest_run(self.output)
            if latest is not None and (self._snapshot is None
                                       or self._snapshot.run_id != latest.name):
                self._snapshot = q.load_snapshot(self.output)
                manifest = self._snapshot.manifest
                self._candidates = CandidateIndex(self._snapshot.rows, manifest.get("input"),
                                                  int(manifest.get("data_year") or DEFAULT_DATA_YEAR),
                                                  registry_year_of(manifest))
            return self._snapshot

    def candidates(self) -> CandidateIndex | None:
        return self._candidates

    def decided(self) -> dict[tuple[str, str], object]:
        return {(d.source, d.row_key): d for d in self.store.current()}


def create_app(output: Path, store: DecisionStore, sessions: Sessions | None = None) -> FastAPI:
    bench = Workbench(Path(output), store, sessions or Sessions())
    bench.snapshot()  # read the queue now: the officer's first page is as quick as the next
    app = FastAPI(title="ducpho-etl review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.bench = bench
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(STATUS_VI=STATUS_VI, VERDICT_VI=VERDICT_VI, FIELD_VI=FIELD_VI,
                                 FIELDS=FIELDS, mask_id=mask_id, vn_label=vn_label)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    reasons = catalogue()

    @app.middleware("http")
    async def _headers(request: Request, call_next):
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    def session_of(request: Request) -> Session | None:
        return bench.sessions.get(request.cookies.get(COOKIE))

    def to_login(request: Request) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)

    def page(request: Request, name: str, session: Session | None, **context) -> HTMLResponse:
        return templates.TemplateResponse(request, name, {"session": session, **context})

    async def form_of(request: Request) -> dict[str, str]:
        body = (await request.body()).decode("utf-8", errors="replace")
        return {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}

    @app.get("/login", response_class=HTMLResponse)
    async def login_page(request: Request, next: str = "/"):
        return page(request, "login.html", None, next=_safe_next(next), failed=False)

    @app.post("/login")
    async def login(request: Request):
        form = await form_of(request)
        user = store.get_user(form.get("user", "").strip())
        ok = user is not None and user[2] and verify_password(form.get("password", ""), user[1])
        if not ok:
            return page(request, "login.html", None, next=_safe_next(form.get("next", "/")),
                        failed=True)
        response = RedirectResponse(_safe_next(form.get("next", "/")), status_code=303)
        response.set_cookie(COOKIE, bench.sessions.start(user[0]), httponly=True,
                            samesite="strict", path="/")
        return response

    @app.post("/logout")
    async def logout(request: Request):
        bench.sessions.end(request.cookies.get(COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    @app.get("/", response_class=HTMLResponse)
    async def queue_page(request: Request, source: str = "", status: str = "", commune: str = "",
                         reason: str = "", state: str = "open", offset: int = 0):
        session = session_of(request)
        if session is None:
            return to_login(request)
        snap = bench.snapshot()
        chosen = {"source": source, "status": status, "commune": commune, "reason": reason}
        if snap is None or snap.rows.height == 0:
            return page(request, "queue.html", session, snap=snap, rows=[], counts={},
                        chosen=chosen, state=state, total=0, shown=0, offset=0, open_count=0,
                        labels={}, reasons=reasons, filters=_query(chosen, state))
        rows = q.apply_filters(snap.rows, chosen)
        done = q.decided_mask(rows, set(bench.decided()))
        open_count = rows.height - int(done.sum())
        if state == "open":
            rows = rows.filter(~done)
        elif state == "decided":
            rows = rows.filter(done)
        counts = q.facet_counts(snap.rows, chosen)
        listed = rows.slice(max(offset, 0), q.PAGE_ROWS).select(
            "source", "pos", "source_file", "sheet", "source_row", "status", "name",
            "birth_year", "gender", "commune", "candidate_count", "reason_codes")
        return page(request, "queue.html", session, snap=snap, rows=listed.to_dicts(),
                    counts=counts, chosen=chosen, state=state, total=rows.height,
                    shown=listed.height, offset=max(offset, 0), open_count=open_count,
                    labels=snap.labels, reasons=reasons, filters=_query(chosen, state))

    @app.get("/row/{source}/{pos}", response_class=HTMLResponse)
    async def row_page(request: Request, source: str, pos: int, full: int = 0):
        session = session_of(request)
        if session is None:
            return to_login(request)
        snap = bench.snapshot()
        row = snap.row(source, pos) if snap is not None else None
        if row is None:
            return HTMLResponse("Không có dòng này trong hàng chờ / no such queued row",
                                status_code=404)
        if full:
            store.log_access(session.user, source, row["row_key"], "view_full")
        index = bench.candidates()
        people = index.of(source, pos) if index is not None else None
        evidence = q.evidence_of(row)
        prior = (evidence.get("model") or {}).get("prior_log2_odds")
        cands = row_candidates(evidence, people)
        for cand in cands:
            cand["waterfall"] = waterfall(cand["weights"], cand["levels"], prior)
        current = bench.decided().get((source, row["row_key"]))
        shown = {k: (v if full or k not in ID_FIELDS else mask_id(v)) for k, v in row.items()}
        filters = {k: request.query_params.get(k, "") for k in q.FILTERS}
        return page(request, "row.html", session, row=shown, cands=cands, full=bool(full),
                    label=snap.labels.get(source, source), current=current,
                    reasons=[(c, *reasons.get(c, (c, c))) for c in row["reason_codes"] or []],
                    raw_labels=RAW_LABELS, candidates_error=index.error if index else None,
                    filters=_query(filters, "open"), model=evidence.get("model") or {})

    @app.post("/row/{source}/{pos}/decide")
    async def decide(request: Request, source: str, pos: int):
        session = session_of(request)
        if session is None:
            return to_login(request)
        form = await form_of(request)
        if form.get("csrf") != session.csrf:
            return HTMLResponse("Phiên làm việc không hợp lệ / bad form token", status_code=403)
        snap = bench.snapshot()
        row = snap.row(source, pos) if snap is not None else None
        if row is None or form.get("row_key") != row["row_key"]:
            return HTMLResponse("Dòng đã thay đổi (có lần chạy mới): hãy mở lại hàng chờ / the "
                                "row changed with a newer run", status_code=409)
        verdict = form.get("verdict", "")
        filters = {k: form.get(k, "") for k in q.FILTERS}
        if verdict == "skip":
            session.skipped.add(row["row_key"])
        else:
            evidence = q.evidence_of(row)
            index = bench.candidates()
            cands = row_candidates(evidence, index.of(source, pos) if index else None)
            person = None
            if verdict == "match":
                k = int(form.get("candidate") or 0)
                if not 1 <= k <= len(cands) or not cands[k - 1]["person_id"]:
                    return HTMLResponse("Không có người này / no such candidate", status_code=400)
                person = cands[k - 1]["person_id"]
            try:
                decision = make_decision(row=row, verdict=verdict, person_id=person,
                                         author=session.user, note=form.get("note", ""),
                                         run_id=snap.run_id)
            except ValueError:
                return HTMLResponse("Quyết định không hợp lệ / invalid decision", status_code=400)
            store.record(decision)
        target = _next_row(bench, snap, filters, source, pos, session)
        return RedirectResponse(target, status_code=303)

    @app.get("/log", response_class=HTMLResponse)
    async def log_page(request: Request):
        session = session_of(request)
        if session is None:
            return to_login(request)
        snap = bench.snapshot()
        where = {}
        if snap is not None and snap.rows.height:
            where = {(s, k): (f, sh, r, p) for s, k, f, sh, r, p in snap.rows.select(
                "source", "row_key", "source_file", "sheet", "source_row", "pos").iter_rows()}
        return page(request, "log.html", session, decisions=store.history(200), where=where,
                    accesses=store.access_log(100), labels=snap.labels if snap else {})

    @app.get("/favicon.ico")
    async def favicon():
        return Response(status_code=204)

    return app


def _safe_next(target: str) -> str:
    """Only paths of this app after login (never another site)."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


def _query(chosen: dict[str, str], state: str) -> str:
    kept = {k: v for k, v in chosen.items() if v}
    if state != "open":
        kept["state"] = state
    return urlencode(kept)


def _next_row(bench: Workbench, snap: q.Snapshot, filters: dict[str, str], source: str,
              pos: int, session: Session) -> str:
    """The next undecided, unskipped row of the same filtered queue after this one (wrapping
    round), or the queue when none is left."""
    rows = q.apply_filters(snap.rows, filters).with_row_index("_i")
    here = rows.filter((pl.col("source") == source) & (pl.col("pos") == pos))
    start = int(here["_i"][0]) if here.height else -1
    done = q.decided_mask(rows, set(bench.decided()))
    left = rows.filter(~done & ~pl.col("row_key").is_in(list(session.skipped)))
    if left.height == 0:
        return "/?" + _query(filters, "open")
    after = left.filter(pl.col("_i") > start)
    nxt = (after if after.height else left).row(0, named=True)
    query = _query(filters, "open")
    return f"/row/{nxt['source']}/{nxt['pos']}" + (f"?{query}" if query else "")
